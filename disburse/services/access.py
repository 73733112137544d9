"""Who may see what (SPEC §6): jurisdiction by region subtree; a contractor sees its own.

Anything outside answers 404 exactly like an id that does not exist, and is
logged as a denied access; a role that may never read projects gets 403.
"""

from sqlalchemy import exists, select, true
from sqlalchemy.orm import Session

from disburse.adapters.orm import Acceptance, Contract, Contractor, Project, Region
from disburse.domain.roles import PROJECT_READERS, Role, within
from disburse.services.context import SYSTEM, Actor
from disburse.services.errors import Forbidden, NotFound


def _require_reader(actor: Actor) -> None:
    if actor.role not in PROJECT_READERS and actor != SYSTEM:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)


def contractor_holds(actor: Actor, project_id: int):  # type: ignore[no-untyped-def]
    """SQL condition: the actor's company holds a contract on the project."""
    return exists().where(Contract.project_id == project_id, Contract.contractor_id == Contractor.id,
                          Contractor.credit_code == actor.contractor_code)


def jurisdiction_clause(actor: Actor):  # type: ignore[no-untyped-def]
    """SQL condition for lists of contract-level things (contracts, acceptances, payments, documents) on a
    query joined to the project's :class:`Region` and the contract's :class:`Contractor`: inside the
    actor's region subtree; a contractor sees its own contracts only (SPEC §6)."""
    _require_reader(actor)
    if actor == SYSTEM:
        return true()
    if actor.role == Role.CONTRACTOR:
        return Contractor.credit_code == actor.contractor_code
    return Region.path.startswith(actor.region_path)


def can_see_project(session: Session, actor: Actor, project: Project) -> bool:
    if actor == SYSTEM:  # the command line and the scheduler, never a request
        return True
    if actor.role == Role.CONTRACTOR:
        return bool(session.scalar(select(contractor_holds(actor, project.id))))
    return within(project.region.path, actor.region_path)


def load_project(session: Session, actor: Actor, project_id: int, *, lock: bool = False) -> Project:
    """The project, if it exists and the actor may see it; 404 otherwise."""
    _require_reader(actor)
    stmt = select(Project).where(Project.id == project_id)
    if lock:
        stmt = stmt.with_for_update(of=Project)
    project = session.scalar(stmt)
    if project is None:
        raise NotFound(f"no project {project_id}")
    if not can_see_project(session, actor, project):
        raise NotFound(f"no project {project_id}", audit=True)
    return project


def load_contract(session: Session, actor: Actor, contract_id: int, *,
                  lock: bool = False) -> tuple[Contract, Project]:
    """The contract and its project; a contractor sees only its own contracts."""
    _require_reader(actor)
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"no contract {contract_id}")
    project = load_project(session, actor, contract.project_id, lock=lock)
    if actor.role == Role.CONTRACTOR and contract.contractor.credit_code != actor.contractor_code:
        raise NotFound(f"no contract {contract_id}", audit=True)
    return contract, project


def visible_contracts(session: Session, actor: Actor, project_id: int) -> list[Contract]:
    """A project's contracts the actor may see, by id: all of them, or a contractor's own only (SPEC §6)."""
    contracts = session.scalars(select(Contract).where(Contract.project_id == project_id).order_by(Contract.id))
    return [c for c in contracts if actor.role != Role.CONTRACTOR or c.contractor.credit_code == actor.contractor_code]


def load_acceptance(session: Session, actor: Actor, acceptance_id: int, *,
                    lock: bool = False) -> tuple[Acceptance, Contract, Project]:
    _require_reader(actor)
    acceptance = session.get(Acceptance, acceptance_id)
    if acceptance is None:
        raise NotFound(f"no acceptance {acceptance_id}")
    contract, project = load_contract(session, actor, acceptance.contract_id, lock=lock)
    return acceptance, contract, project

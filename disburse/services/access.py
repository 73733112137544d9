"""Who may see what (SPEC §6) — the one rule every read applies (issue 14).

* A bureau user (commerce, finance, leader, supervisor, inspector) sees the projects inside its
  region's subtree and everything on them.
* A contractor sees the projects it holds a contract on, and of each only the plan, the project's
  own state changes and **its own work**: its contracts and what hangs from them (acceptances,
  payments, documents, recoveries, their audit entries) — never a rival's; the project's figures
  (contracted, disbursed, in flight…) are summed over its own contracts (:func:`figures_scope`).
* Anything outside answers 404 exactly like an id that does not exist, naming only the object that was
  asked for — never the project or contract above it (:func:`hidden`) — and is logged as a denied
  access; a role that may never read projects (the admin) gets 403, whether the object exists or not.

The loaders (:func:`load_project`, :func:`load_contract`, :func:`load_acceptance`,
:func:`load_payment`, :func:`load_document`) are how a service reaches one object; the clauses
(:func:`contract_clause`, :func:`audit_clause`) are how a list, a ledger or a search narrows many.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, exists, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from disburse.adapters.orm import (
    Acceptance,
    Application,
    ApplicationDocument,
    AuditEntry,
    Contract,
    Contractor,
    Document,
    Payment,
    Project,
    RecoveryOrder,
    Region,
    User,
)
from disburse.domain.roles import PROJECT_READERS, Role, within
from disburse.services.context import SYSTEM, Actor
from disburse.services.errors import Forbidden, NotFound


def require_reader(actor: Actor) -> None:
    if actor.role not in PROJECT_READERS and actor != SYSTEM:
        raise Forbidden(f"the role {actor.role} has no access to projects", audit=True)


def is_contractor(actor: Actor) -> bool:
    return actor.role == Role.CONTRACTOR


def sees_contract(actor: Actor, contract: Contract) -> bool:
    """Whether the actor may see this contract of a project it may see (a contractor: its own only)."""
    return not is_contractor(actor) or contract.contractor.credit_code == actor.contractor_code


def hidden(kind: str, ident: object, *, audit: bool = False) -> NotFound:
    """The one answer for an object that does not exist or lies outside what the actor may see."""
    return NotFound(f"no {kind} {ident}", audit=audit)


@contextmanager
def answering_as(kind: str, ident: object) -> Iterator[None]:
    """Whatever is not found on the way to an object answers as that object: a 404 never names the
    project or contract above what was asked for (issue 14: "no project 12" for someone else's payment)."""
    try:
        yield
    except NotFound as exc:
        raise hidden(kind, ident, audit=bool(exc.extra.get("audit"))) from None


def contractor_holds(actor: Actor, project_id: Any):  # type: ignore[no-untyped-def]
    """SQL condition: the actor's company holds a contract on the project."""
    return exists().where(Contract.project_id == project_id, Contract.contractor_id == Contractor.id,
                          Contractor.credit_code == actor.contractor_code)


def own_contracts(actor: Actor) -> Any:
    """SELECT of the ids of the contractor's own contracts."""
    return select(Contract.id).join(Contractor, Contractor.id == Contract.contractor_id).where(
        Contractor.credit_code == actor.contractor_code)


def jurisdiction_clause(actor: Actor):  # type: ignore[no-untyped-def]
    """SQL condition for lists of contract-level things (contracts, acceptances, payments, documents) on a
    query joined to the :class:`Project` and the contract's :class:`Contractor`: inside the actor's region
    subtree; a contractor sees its own contracts only (SPEC §6)."""
    require_reader(actor)
    if actor == SYSTEM:
        return true()
    if is_contractor(actor):
        return Contractor.credit_code == actor.contractor_code
    return Project.region_code.in_(region_codes(actor))


def region_codes(actor: Actor) -> Any:
    """SELECT of the codes of the regions in the actor's subtree: the small, fixed ``regions`` table matched
    on its paths once, so a list filters the growing tables on the indexed ``projects.region_code`` rather
    than matching a path for each row it joins (issue 19)."""
    return select(Region.code).where(Region.path.startswith(actor.region_path))


def contract_clause(actor: Actor, contract_id: Any) -> ColumnElement[bool]:
    """SQL condition on a contract id column: the actor may see that contract's work (of a project it sees)."""
    if not is_contractor(actor):
        return true()
    return contract_id.in_(own_contracts(actor))  # type: ignore[no-any-return]


#: Audit entries about contract-level objects, with how to find each one's contract.
_CONTRACT_OF = {
    "contract": (Contract.id, Contract.id),
    "acceptance": (Acceptance.id, Acceptance.contract_id),
    "payment": (Payment.id, Payment.contract_id),
    "document": (Document.id, Document.contract_id),
    "recovery": (RecoveryOrder.id, RecoveryOrder.contract_id),
}


def audit_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on a project's audit entries: all of them for a bureau user; for a contractor the
    project's own state changes and the entries about its own contracts and what hangs from them — not
    a rival's, not an objector's identity (objections), not the bureau's monthly reports."""
    if not is_contractor(actor):
        return true()
    mine = own_contracts(actor)
    about_mine = [and_(AuditEntry.entity_type == kind, AuditEntry.entity_id.in_(
        select(cast(ident, String)).where(contract.in_(mine)))) for kind, (ident, contract) in _CONTRACT_OF.items()]
    return or_(AuditEntry.entity_type == "project", *about_mine)


def jurisdiction_codes(session: Session, actor: Actor) -> list[str]:
    """The codes of the regions in the actor's subtree, read from the small, fixed ``regions`` table: lists
    and sums over growing tables (projects, payments) filter on the indexed ``region_code IN (…)`` instead
    of joining ``regions`` through a prefix match on its paths for every row (issue 19)."""
    return list(session.scalars(select(Region.code).where(Region.path.startswith(actor.region_path))
                                .order_by(Region.code)))


def figures_scope(actor: Actor, contracts: list[Contract]) -> list[Contract]:
    """The contracts a project's figures are summed over for the actor: all, or a contractor's own."""
    return [c for c in contracts if sees_contract(actor, c)]


def can_see_project(session: Session, actor: Actor, project: Project) -> bool:
    if actor == SYSTEM:  # the command line and the scheduler, never a request
        return True
    if is_contractor(actor):
        return bool(session.scalar(select(contractor_holds(actor, project.id))))
    return within(project.region.path, actor.region_path)


def load_project(session: Session, actor: Actor, project_id: int, *, lock: bool = False,
                 options: Sequence[Any] = ()) -> Project:
    """The project, if it exists and the actor may see it; 404 otherwise. ``options``: what to load with it."""
    require_reader(actor)
    stmt = select(Project).where(Project.id == project_id).options(*options)
    if lock:
        stmt = stmt.with_for_update(of=Project)
    project = session.scalar(stmt)
    if project is None:
        raise hidden("project", project_id)
    if not can_see_project(session, actor, project):
        raise hidden("project", project_id, audit=True)
    return project


def load_contract(session: Session, actor: Actor, contract_id: int, *,
                  lock: bool = False) -> tuple[Contract, Project]:
    """The contract and its project; a contractor sees only its own contracts."""
    require_reader(actor)
    with answering_as("contract", contract_id):
        contract = session.get(Contract, contract_id)
        if contract is None:
            raise hidden("contract", contract_id)
        project = load_project(session, actor, contract.project_id, lock=lock)
        if not sees_contract(actor, contract):
            raise hidden("contract", contract_id, audit=True)
    return contract, project


def visible_contracts(session: Session, actor: Actor, project_id: int) -> list[Contract]:
    """A project's contracts the actor may see, by id: all of them, or a contractor's own only (SPEC §6)."""
    contracts = session.scalars(select(Contract).where(Contract.project_id == project_id).order_by(Contract.id))
    return figures_scope(actor, list(contracts))


def load_acceptance(session: Session, actor: Actor, acceptance_id: int, *,
                    lock: bool = False) -> tuple[Acceptance, Contract, Project]:
    require_reader(actor)
    with answering_as("acceptance", acceptance_id):
        acceptance = session.get(Acceptance, acceptance_id)
        if acceptance is None:
            raise hidden("acceptance", acceptance_id)
        contract, project = load_contract(session, actor, acceptance.contract_id, lock=lock)
    return acceptance, contract, project


def load_payment(session: Session, actor: Actor, payment_id: int, *,
                 lock: bool = False) -> tuple[Payment, Contract, Project]:
    """The payment with its contract and project (the project locked first when ``lock``)."""
    require_reader(actor)
    with answering_as("payment", payment_id):
        contract_id = session.scalar(select(Payment.contract_id).where(Payment.id == payment_id))
        if contract_id is None:
            raise hidden("payment", payment_id)
        contract, project = load_contract(session, actor, contract_id, lock=lock)
    payment = session.get(Payment, payment_id)
    assert payment is not None
    return payment, contract, project


#: :func:`lock_payment`'s statement, built once.
_LOCK_PAYMENT = (select(Project, Contract, Payment).join(Contract, Contract.project_id == Project.id)
                 .join(Payment, Payment.contract_id == Contract.id).where(Payment.id == bindparam("payment_id"))
                 .with_for_update(of=(Project, Contract, Payment)).execution_options(populate_existing=True))


def lock_payment(session: Session, actor: Actor, payment_id: int) -> tuple[Payment, Contract, Project]:
    """The payment with its contract and project, locked in **one** statement (issue 19: a step locks what
    it needs at once): ``FOR UPDATE OF`` the project, the contract and the payment, in the order every
    other lock takes them (the order of the ``FROM`` list). On SQLite ``BEGIN IMMEDIATE`` has already
    serialised the writers. Outside the actor's sight answers as :func:`load_payment` does: one 404."""
    require_reader(actor)
    row = session.execute(_LOCK_PAYMENT, {"payment_id": payment_id}).first()
    if row is None:
        raise hidden("payment", payment_id)
    project, contract, payment = row
    # a contractor that holds the contract holds a contract on the project: its own contract is its sight
    seen = actor == SYSTEM or (sees_contract(actor, contract) if is_contractor(actor)
                               else within(project.region.path, actor.region_path))
    if not seen:
        raise hidden("payment", payment_id, audit=True)
    return payment, contract, project


def own_materials(actor: Actor) -> Any:
    """SELECT of the ids of the documents of no contract an enterprise's user sees (issue 20): the materials its
    enterprise's users uploaded for their applications, and those attached to its applications."""
    uploaders = select(User.id).where(User.contractor_code == actor.contractor_code)
    attached = (select(ApplicationDocument.document_id)
                .join(Application, Application.id == ApplicationDocument.application_id)
                .where(Application.credit_code == actor.contractor_code))
    return select(Document.id).where(Document.contract_id.is_(None),
                                     or_(Document.uploaded_by.in_(uploaders), Document.id.in_(attached)))


def load_document(session: Session, actor: Actor, document_id: int) -> Document:
    """A document, for whoever may see what it belongs to (a contractor: its own contract's, and its
    enterprise's application materials)."""
    require_reader(actor)
    with answering_as("document", document_id):
        document = session.get(Document, document_id)
        if document is None:
            raise hidden("document", document_id)
        if document.contract_id is not None:
            load_contract(session, actor, document.contract_id)
        elif is_contractor(actor):
            if not session.scalar(select(exists(own_materials(actor).where(Document.id == document_id)))):
                raise hidden("document", document_id, audit=True)
        else:
            load_project(session, actor, document.project_id)
    return document

"""Contracts: sign, read, withdraw (SPEC §4, §5.1, §11.1).

A contract is signed while the project is ``tendered``; what it promises is
checked at once (schedule shares, advance cap, the project total, lines covered
once) and again by ``select_contractor``. A contractor is one company per
unified social credit code; its eligibility (seed 003 §5(2)1) blocks selection,
not signing, since papers may arrive after the signature.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import BudgetLine, Contract, ContractLine, Contractor, Document, Project, Region
from disburse.clock import REAL
from disburse.domain import contracts as domain
from disburse.domain import labels, payee
from disburse.domain.citations import SYSTEM_RULE
from disburse.domain.money import format_wan, format_yuan
from disburse.domain.roles import Role
from disburse.domain.states import HALTED, ProjectState
from disburse.domain.unmet import Unmet
from disburse.services import pages
from disburse.services.access import jurisdiction_clause, load_contract, load_project
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid
from disburse.services.ledger import contract_ledgers, contract_ledgers_of
from disburse.services.projects import contract_facts, schedule_of

SIGNERS = frozenset({Role.COMMERCE})


def _require_signer(actor: Actor) -> None:
    if actor.role not in SIGNERS:
        raise Forbidden(f"the role {actor.role} may not sign or withdraw contracts", audit=True)


def _require_tendered(project: Project, doing_zh: str, doing_en: str) -> None:
    """Contracts are signed and withdrawn only while the project is ``tendered`` (SPEC §11.1)."""
    if project.state != ProjectState.TENDERED:
        unmet = Unmet("wrong_state", f"只有在招标中才能{doing_zh}", f"Contracts are {doing_en} only while tendering",
                      SYSTEM_RULE)
        raise Conflict(unmet.en, [unmet])


def sign_contract(db: Database, actor: Actor, origin: Origin, project_id: int, data: Mapping[str, Any],
                  now: datetime | None = None) -> int:
    """Record a signed contract on a tendered project; refuse what the project cannot hold."""
    with db.writing() as tx:
        project = load_project(tx.session, actor, project_id, lock=True)
        _require_signer(actor)
        _require_tendered(project, "签订合同", "signed")
        project_lines = {line.id for line in project.lines}
        unknown = [i for i in data["line_ids"] if i not in project_lines]
        if unknown:
            raise Invalid("invalid contract", {"line_ids": [f"not lines of project {project.id}: {unknown}"]})
        if len(set(data["line_ids"])) != len(data["line_ids"]):
            raise Invalid("invalid contract", {"line_ids": ["a line is listed twice"]})
        for name, doc_id in (data["contractor"].get("declaration_documents") or {}).items():
            document = None if doc_id is None else tx.session.get(Document, doc_id)
            if doc_id is not None and (document is None or document.project_id != project.id):
                raise Invalid("invalid contract", {f"contractor.declaration_documents.{name}": [
                    f"no document {doc_id} of project {project.id}"]})
        contractor = _contractor(tx.session, data["contractor"])
        schedule = data["schedule"]
        contract = Contract(
            project_id=project.id, lot=data["lot"], contractor=contractor, amount=data["amount"],
            signed_on=data["signed_on"], advance_share=str(schedule["advance"]),
            final_share=str(schedule["final"]),
            stages=[{"name": s["name"], "share": str(s["share"])} for s in schedule["stages"]],
            lines=[ContractLine(line_id=i) for i in data["line_ids"]],
            payee_bank=data.get("payee_bank"), payee_account=data.get("payee_account"),
            payment_due_days=data.get("payment_due_days"),
        )
        others = tx.session.scalars(select(Contract).where(Contract.project_id == project.id)).unique().all()
        proposed = domain.Contract(lot=contract.lot, amount=contract.amount, line_ids=tuple(data["line_ids"]),
                                   contractor=domain.Contractor(contractor.name, contractor.credit_code, {}),
                                   schedule=schedule_of(contract))
        unmet = domain.schedule_unmet(proposed.schedule, rulesets.for_project(tx.session, project))
        unmet += domain.coverage_unmet(project.total, [contract_facts(c) for c in others] + [proposed],
                                       {line.id: line.amount for line in project.lines})
        unmet += payee.due_days_unmet(contract.payment_due_days)
        if unmet:
            raise Conflict("the contract cannot be signed as it stands", unmet)
        tx.session.add(contract)
        tx.session.flush()
        audit_log.append(tx.session, action="contract.sign", actor=actor, origin=origin, entity_type="contract",
                         entity_id=contract.id, project_id=project.id,
                         data={"lot": contract.lot, "contractor": contractor.credit_code,
                               "amount": format_yuan(contract.amount), "line_ids": list(data["line_ids"]),
                               "schedule": _schedule_view(contract), **_payee_record(contract)},
                         at=now or REAL.now())
        tx.commit()
        return contract.id


def _payee_record(contract: Contract) -> dict[str, Any]:
    return {"payee_bank": contract.payee_bank, "payee_account": contract.payee_account,
            "payment_due_days": contract.payment_due_days}


def record_payee(db: Database, actor: Actor, origin: Origin, contract_id: int, data: Mapping[str, Any],
                 now: datetime | None = None) -> None:
    """Record (or correct) the payee's bank and account on a contract (issue 17): county commerce, who
    keeps the contract's papers, at any time before the project is over; the audit entry keeps the
    account before and after. A payment is disbursed only to a recorded account (``payee_account_missing``)."""
    with db.writing() as tx:
        contract, project = load_contract(tx.session, actor, contract_id, lock=True)
        _require_signer(actor)
        if project.state in HALTED:
            zh, en = labels.PROJECT_STATES.get(project.state, (project.state, project.state))
            unmet = Unmet("project_not_active", f"项目当前状态为“{zh}”，不能变更收款账户",
                          f"The project is {en.lower()}; the payee's account cannot change", SYSTEM_RULE)
            raise Conflict(unmet.en, [unmet])
        before = {"payee_bank": contract.payee_bank, "payee_account": contract.payee_account}
        contract.payee_bank, contract.payee_account = data["payee_bank"], data["payee_account"]
        audit_log.append(tx.session, action="contract.record_payee", actor=actor, origin=origin,
                         entity_type="contract", entity_id=contract.id, project_id=project.id,
                         data={"lot": contract.lot, "before": before,
                               "after": {"payee_bank": contract.payee_bank, "payee_account": contract.payee_account}},
                         at=now or REAL.now())
        tx.commit()


def _contractor(session: Session, data: Mapping[str, Any]) -> Contractor:
    """The contractor with this credit code, created or brought up to date."""
    contractor = session.scalar(select(Contractor).where(Contractor.credit_code == data["credit_code"]))
    if contractor is None:
        contractor = Contractor(credit_code=data["credit_code"])
        session.add(contractor)
    contractor.name = data["name"]
    contractor.region_code = data.get("region")
    contractor.declarations = {k: bool(v) for k, v in (data.get("declarations") or {}).items()}
    if data.get("declaration_documents") is not None:
        contractor.declaration_documents = {k: v for k, v in data["declaration_documents"].items() if v is not None}
    return contractor


def withdraw_contract(db: Database, actor: Actor, origin: Origin, contract_id: int,
                      now: datetime | None = None) -> None:
    """Withdraw a contract while the project is still tendered (SPEC §11.1 ``DELETE /contracts/{id}``)."""
    with db.writing() as tx:
        contract, project = load_contract(tx.session, actor, contract_id, lock=True)
        _require_signer(actor)
        _require_tendered(project, "撤回合同", "withdrawn")
        audit_log.append(tx.session, action="contract.withdraw", actor=actor, origin=origin,
                         entity_type="contract", entity_id=contract.id, project_id=project.id,
                         data={"lot": contract.lot, "amount": format_yuan(contract.amount)}, at=now or REAL.now())
        tx.session.delete(contract)
        tx.commit()


def _schedule_view(contract: Contract) -> dict[str, Any]:
    return {"advance": contract.advance_share, "stages": contract.stages, "final": contract.final_share}


def contract_view(session: Session, contract: Contract) -> dict[str, Any]:
    """A contract with its ledger (SPEC §11.1)."""
    c = contract.contractor
    return {
        "id": contract.id,
        "project_id": contract.project_id,
        "lot": contract.lot,
        "contractor": {
            "id": c.id, "name": c.name, "credit_code": c.credit_code, "region": c.region_code,
            "declarations": c.declarations, "declaration_documents": c.declaration_documents or {},
            "eligible": not domain.eligibility_unmet(contract_facts(contract).contractor),
            "unmet": [u.as_dict() for u in domain.eligibility_unmet(contract_facts(contract).contractor)],
        },
        "amount": format_yuan(contract.amount),
        "signed_on": contract.signed_on.isoformat(),
        "line_ids": [cl.line_id for cl in contract.lines],
        "schedule": _schedule_view(contract),
        "payee": payee_view(contract),
        "payment_due_days": contract.payment_due_days,
        "ledger": contract_ledgers(session, contract.project_id)[contract.id].view(),
        "created_at": contract.created_at.isoformat(),
    }


def payee_view(contract: Contract) -> dict[str, Any]:
    """Who is paid and where (issue 17): the account's name is the contractor's name. Contractor data: shown
    to whoever may read the contract (never a rival contractor, never the public pages)."""
    return {"name": contract.contractor.name, "bank": contract.payee_bank, "account": contract.payee_account}


def get_contract(db: Database, actor: Actor, contract_id: int) -> dict[str, Any]:
    with db.reading() as tx:
        contract, _ = load_contract(tx.session, actor, contract_id)
        return contract_view(tx.session, contract)


def list_contracts(db: Database, actor: Actor, project_id: int) -> dict[str, Any]:
    """The project's contracts (a contractor sees its own only)."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        stmt = select(Contract).where(Contract.project_id == project.id).order_by(Contract.id)
        rows = [c for c in tx.session.scalars(stmt).unique()
                if actor.role != Role.CONTRACTOR or c.contractor.credit_code == actor.contractor_code]
        return pages.whole([contract_view(tx.session, c) for c in rows])


def line_amounts(session: Session, contract: Contract) -> dict[int, Decimal]:
    """The budget of each line the contract covers."""
    ids = [cl.line_id for cl in contract.lines]
    rows = session.execute(select(BudgetLine.id, BudgetLine.amount).where(BudgetLine.id.in_(ids))).all()
    return {row.id: row.amount or Decimal(0) for row in rows}


def list_in_jurisdiction(db: Database, actor: Actor, *, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Contracts the actor may see, newest first, each with its project's name and its ledger: a contractor
    its own (its desk, SPEC §1), everyone else those in its region's subtree (SPEC §6)."""
    with db.reading() as tx:
        joined = (select(Contract, Project.name).join(Project, Project.id == Contract.project_id)
                  .join(Region, Region.code == Project.region_code)
                  .join(Contractor, Contractor.id == Contract.contractor_id).where(jurisdiction_clause(actor)))
        total = tx.session.scalar(select(func.count()).select_from(joined.subquery())) or 0
        rows = tx.session.execute(joined.order_by(Contract.id.desc()).offset((page - 1) * per_page)
                                  .limit(per_page)).unique().all()
        ledgers = contract_ledgers_of(tx.session, sorted({contract.project_id for contract, _ in rows}))
        items = []
        for contract, project_name in rows:
            items.append({"id": contract.id, "project_id": contract.project_id, "project_name": project_name,
                          "lot": contract.lot, "contractor_name": contract.contractor.name,
                          "amount": format_yuan(contract.amount), "amount_wan": format_wan(contract.amount),
                          "signed_on": contract.signed_on.isoformat(),
                          "ledger": ledgers[contract.project_id][contract.id].view()})
        return pages.page(items, total, page, per_page)

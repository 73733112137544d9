"""Excel downloads (issue 9): a project's plan, its payment ledger, a region's monthly progress reports.

A download is authorised like the objects it contains (issue 9 §5; SPEC §6): the plan and the ledger
like their project (outside the jurisdiction: 404; a role that never reads projects: 403), and a
contractor's ledger holds only its own contracts, as ``GET /projects/{id}/ledger`` does; the monthly
report like ``GET /reports/late`` (seed 004 §8(1)3), for a region inside the actor's jurisdiction.
"""

from datetime import date, datetime

from sqlalchemy import select

from disburse.adapters.db import Database
from disburse.adapters.orm import Payment, ProgressReport, Region
from disburse.domain.ledger import EMPTY
from disburse.domain.money import WAN
from disburse.domain.notice import SHANGHAI
from disburse.domain.plan import Plan
from disburse.domain.roles import within
from disburse.excel.exports import ContractRow, PaymentRow, ReportRow, ledger_workbook, monthly_workbook
from disburse.excel.plan import plan_workbook
from disburse.services import engine, payments, projects, reports
from disburse.services.access import load_project, visible_contracts
from disburse.services.context import Actor
from disburse.services.errors import NotFound
from disburse.services.ledger import contract_ledgers


def table_unit(plan: Plan) -> str:
    """万元 when every amount is whole hundreds of yuan (two decimals in 万元, as the seeds' tables
    print them: seed 000 §7 "3.2", seed 001 §6(1)); 元 otherwise, so no amount needs more digits."""
    amounts = [plan.total, *plan.subtotals.values(), *(f.amount for f in plan.funding),
               *(line.amount for line in plan.lines if line.amount is not None)]
    return "万元" if all((a * 100 / WAN) == (a * 100 / WAN).to_integral_value() for a in amounts) else "元"


def _local(at: datetime) -> datetime:
    """A stored UTC moment as Beijing wall-clock time (a workbook has no time zones)."""
    return at.astimezone(SHANGHAI).replace(tzinfo=None)


def plan_xlsx(db: Database, actor: Actor, project_id: int) -> bytes:
    """The project's plan in the budget-table layout that ``plans import`` reads back."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        plan = projects.to_plan(project)
        return plan_workbook(plan, table_unit(plan), project.source or {}, when=_local(project.updated_at))


def ledger_xlsx(db: Database, actor: Actor, project_id: int) -> bytes:
    """Per contract: contracted, requested, in flight, approved, disbursed, remaining, recovered, with the
    same figures and totals as ``GET /projects/{id}/ledger`` (SPEC §5.3); then every payment."""
    with db.reading() as tx:
        project = load_project(tx.session, actor, project_id)
        ledgers = contract_ledgers(tx.session, project.id)
        contracts = visible_contracts(tx.session, actor, project.id)
        rows = [ContractRow(c.id, c.lot, c.contractor.name, c.contractor.credit_code, c.signed_on, ledgers[c.id])
                for c in contracts]
        lots = {c.id: c.lot for c in contracts}
        paid = tx.session.scalars(select(Payment).where(Payment.contract_id.in_(list(lots)))
                                  .order_by(Payment.contract_id, Payment.id))
        flow = payments.workflow()
        payment_rows = [
            PaymentRow(p.id, p.contract_id, lots[p.contract_id], p.kind, p.amount,
                       (engine.state_label(flow, p.state) or {}).get("zh", p.state), p.voucher_no, p.disbursed_on,
                       _local(p.created_at), p.note)
            for p in paid
        ]
        totals = sum((r.ledger for r in rows), EMPTY)
        return ledger_workbook(project.id, project.name, rows, totals, payment_rows, when=_local(project.updated_at))


def monthly_xlsx(db: Database, actor: Actor, month: str | None, region: str | None, now: datetime) -> bytes:
    """The monthly progress reports of a county or prefecture (default: the actor's own region): each
    active project in its subtree with its status for ``month`` and the report's text (seed 004 §8(1)3)."""
    listed = reports.late(db, actor, month, now)  # the role check, the month's check, the status rules
    with db.reading() as tx:
        where = tx.session.get(Region, region or actor.region_code)
        if where is None or not within(where.path, actor.region_path):
            raise NotFound(f"no region {region} in your jurisdiction", audit=where is not None)
        codes = set(tx.session.scalars(select(Region.code).where(Region.path.startswith(where.path))))
        items = [item for item in listed["items"] if item["region"]["code"] in codes]
        ids = [item["report_id"] for item in items if item["report_id"] is not None]
        found = {r.id: r for r in tx.session.scalars(select(ProgressReport).where(ProgressReport.id.in_(ids)))}
        flow = projects.workflow()
        rows = [
            ReportRow(item["region"]["code"], item["region"]["name"], item["project_id"], item["name"],
                      flow.states[item["state"]].zh, date.fromisoformat(item["due"]), item["status"],
                      _local(found[item["report_id"]].submitted_at) if item["report_id"] in found else None,
                      item["days_late"],
                      found[item["report_id"]].text if item["report_id"] in found else None)
            for item in items
        ]
        return monthly_workbook(where.name, listed["month"], rows, when=_local(now))


"""Monthly progress reports (进度月报): submit, list, and who is late (seed 004 §8(1)3; SPEC §4, §10).

seed 004 §8(1)3 asks each demonstration county to report its progress before the
30th of every month; the due day is the rule set's (the month's last day in
shorter months). The county's commerce bureau submits the report — one per
project and month, not edited afterwards (a correction is the next month's
report, or a note in it), because the scheduler and the inspectors rely on when
it came. Submitting writes an audit entry in the same transaction.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from disburse.adapters import audit_log, rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import ProgressReport, Project, Region, User
from disburse.adapters.rulesets import RULE_KEY
from disburse.domain import labels
from disburse.domain.citations import QUJING, cite
from disburse.domain.dates import DateError, parse_month
from disburse.domain.notice import local_date
from disburse.domain.roles import PROJECT_READERS, Role
from disburse.domain.unmet import Unmet
from disburse.services import pages
from disburse.services.access import load_project
from disburse.services.context import Actor, Origin
from disburse.services.errors import Conflict, Forbidden, Invalid
from disburse.services.scheduling import ACTIVE_STATES, report_due_date

MAX_TEXT = 20_000
CLAUSE = cite(QUJING, "八(一)3")


def _month(value: str) -> tuple[int, int]:
    """A report month, as every month a client gives is read (:func:`disburse.domain.dates.parse_month`)."""
    try:
        year, month = parse_month(value).split("-")
    except DateError as exc:
        raise Invalid("invalid month", {"month": [str(exc)]}) from None
    return int(year), int(month)


def view(report: ProgressReport, username: str | None = None) -> dict[str, Any]:
    return {"id": report.id, "project_id": report.project_id, "month": report.month, "text": report.text,
            "submitted_by": username, "submitted_at": report.submitted_at.isoformat()}


def submit(db: Database, actor: Actor, origin: Origin, project_id: int, month: str, text: str,
           now: datetime) -> dict[str, Any]:
    """The county's commerce bureau reports a month's progress (one report per project and month)."""
    year, mon = _month(month)
    errors: dict[str, list[str]] = {}
    if not (text or "").strip():
        errors["text"] = ["required: what was done this month (本月工作进展)"]
    elif len(text) > MAX_TEXT:
        errors["text"] = [f"at most {MAX_TEXT} characters"]
    today = local_date(now)
    if (year, mon) > (today.year, today.month):
        errors["month"] = [f"{month} has not begun yet (today is {today.isoformat()} in Asia/Shanghai)"]
    if errors:
        raise Invalid("invalid progress report", errors)
    with db.writing() as tx:
        project = load_project(tx.session, actor, project_id, lock=True)
        if actor.role != Role.COMMERCE:
            raise Forbidden(f"the role {actor.role} may not submit progress reports; commerce does", audit=True)
        if project.state not in ACTIVE_STATES:
            raise Conflict("the project takes no progress reports in its state", [Unmet(
                "report_project_inactive",
                f"项目当前状态（{labels.of(labels.PROJECT_STATES, project.state, 'zh')}）无需报送进度月报",
                f"a project in state '{labels.of(labels.PROJECT_STATES, project.state, 'en')}' takes no progress "
                "reports", CLAUSE)])
        existing = tx.session.scalar(select(ProgressReport.id).where(ProgressReport.project_id == project_id,
                                                                     ProgressReport.month == month))
        if existing is not None:
            raise Conflict("this month's report was already submitted", [Unmet(
                "report_exists", f"{month}的进度月报已报送（#{existing}），不可重复报送",
                f"the {month} report was already submitted (#{existing})", CLAUSE)])
        report = ProgressReport(project_id=project_id, month=month, text=text.strip(), submitted_by=actor.id,
                                submitted_at=now)
        tx.session.add(report)
        try:
            tx.session.flush()
        except IntegrityError as exc:  # a concurrent submission of the same month
            raise Conflict("this month's report was already submitted", [Unmet(
                "report_exists", f"{month}的进度月报已报送", f"the {month} report was already submitted",
                CLAUSE)]) from exc
        due = report_due_date(year, mon, rulesets.for_project(tx.session, project).report_due_day)
        audit_log.append(tx.session, action="report.submit", actor=actor, origin=origin, entity_type="report",
                         entity_id=report.id, project_id=project_id,
                         data={"month": month, "due": due.isoformat(), "late": today > due,
                               "chars": len(report.text)}, at=now)
        result = view(report, actor.username)
        result["due"] = due.isoformat()
        result["late"] = today > due
        tx.commit()
        return result


def list_reports(db: Database, actor: Actor, project_id: int, *, page: int = 1, per_page: int = 24) -> dict[str, Any]:
    """A project's reports, newest month first."""
    with db.reading() as tx:
        load_project(tx.session, actor, project_id)
        where = ProgressReport.project_id == project_id
        total = tx.session.scalar(select(func.count()).select_from(ProgressReport).where(where)) or 0
        rows = tx.session.execute(
            select(ProgressReport, User.username).outerjoin(User, User.id == ProgressReport.submitted_by)
            .where(where).order_by(ProgressReport.month.desc()).offset((page - 1) * per_page).limit(per_page)
        )
        return pages.page([view(r, name) for r, name in rows], total, page, per_page)


def late(db: Database, actor: Actor, month: str | None, now: datetime) -> dict[str, Any]:
    """Each active project in the jurisdiction with its report for ``month``: submitted, pending or late."""
    if actor.role not in PROJECT_READERS or actor.role == Role.CONTRACTOR:
        raise Forbidden(f"the role {actor.role} does not follow progress reports", audit=True)
    today = local_date(now)
    month = month or f"{today.year:04d}-{today.month:02d}"
    year, mon = _month(month)
    with db.reading() as tx:
        rows = tx.session.execute(
            select(Project.id, Project.name, RULE_KEY, Project.state, Region.code, Region.name,
                   ProgressReport.id, ProgressReport.submitted_at)
            .join(Region, Region.code == Project.region_code)
            .outerjoin(ProgressReport, (ProgressReport.project_id == Project.id) & (ProgressReport.month == month))
            .where(Region.path.startswith(actor.region_path), Project.state.in_(ACTIVE_STATES))
            .order_by(Region.code, Project.id)
        )
        items = []
        for pid, name, rule_set, state, code, region_name, report_id, submitted_at in rows:
            due = report_due_date(year, mon, rulesets.by_key(tx.session, rule_set).report_due_day)
            if report_id is not None:
                status = "submitted_late" if local_date(submitted_at) > due else "submitted"
            else:
                status = "late" if today > due else "pending"
            items.append({"project_id": pid, "name": name, "state": state,
                          "region": {"code": code, "name": region_name}, "month": month, "due": due.isoformat(),
                          "status": status, "report_id": report_id,
                          "days_late": max((today - due).days, 0) if status == "late" else 0})
        return {**pages.whole(items), "month": month,
                "late": sum(1 for i in items if i["status"] == "late")}

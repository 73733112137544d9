"""What the scheduler does at a given moment (SPEC §10): each job one function ``(db, now, mail) -> int``.

Every job is a *sweep* over what is due at ``now`` rather than one stored job per
reminder: it may run late (catch-up after downtime), twice, or in two schedulers
at once, and still sends each reminder once, because each reminder is stored
under its unique key ``kind:target:period`` in the same transaction as its
notifications (a second insert of the key fails and rolls the whole reminder
back). :func:`tick` runs them all once: the scheduler's catch-up on election and
``disburse scheduler tick --now``.

Dates are local dates in Asia/Shanghai. What each job does, and where its rule
comes from:

* ``remind_reports`` — the monthly progress report (进度月报) is due on the rule
  set's due day (seed 004 §8(1)3: before the 30th; the month's last day in
  shorter months). From ``report_lead_days`` before it, the county's commerce
  users are reminded once a month; after it, without a report for the month,
  the county's commerce users and every supervisor over the county are alerted,
  again each week it stays missing. A submitted report stops both.
* ``remind_deadlines`` — phase ends and budget-line deadlines (seed 002: "须于
  2020年12月底前建成"): one reminder at each of the rule set's lead times (30/7/1
  days by default); after catching up late, only the nearest lead time fires. A
  line past its deadline whose contracts have no approved final acceptance is
  escalated to the supervisors, once a week.
* ``close_notices`` — a public notice that has ended is closed by the system
  actor (``close_notice``, seed 004 §5(5)3): the acceptance becomes
  ``notice_clear`` and the county's leaders are told it awaits their approval;
  a notice that ended with objections still open leaves the acceptance
  ``objected`` and tells the county's commerce users to resolve them.
* ``remind_payments`` — a payment waiting at ``requested`` (commerce verifies) or
  ``verified`` (finance approves) longer than the rule set's approval SLA, in
  three levels each sent once (issue 21 item 3): after the SLA a reminder to the
  actor (who last took that step on the project's payments; every county user
  of the role when nobody has); after twice the SLA the county's other users of
  the role; after three times the role above the county and the supervisors.
* ``remind_idle_funds`` — funds arrived for a project (``allocations``) and not
  paid out ``idle_days`` (rule set) after the last arrival: the county's finance
  users and the supervisors are told once per arrival.
* ``remind_payment_due`` — the payment due clock (issue 17; 保障中小企业款项支付条例 第八条、第九条): an
  approved stage or final acceptance not yet paid is due ``payment_due_days`` (the contract's, else the
  rule set's 30) after the approval; the county's finance users are reminded once from 7 days before,
  and finance and the supervisors alerted once after it.
* ``remind_rectifications`` — a rectification (整改) deadline: reminders at the
  lead times to the county's commerce users and the contractor's users; when it
  has passed with the acceptance still ``rectifying``, escalation.

Active projects are those between filing and the final audit (``filed`` …
``final_audit``); drafts, suspended, closed and clawed-back projects get none.
"""

import calendar
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from disburse.adapters import rulesets
from disburse.adapters.db import Database
from disburse.adapters.orm import (
    Acceptance,
    Allocation,
    Application,
    BudgetLine,
    Contract,
    ContractLine,
    Contractor,
    Notice,
    Payment,
    Phase,
    ProgressReport,
    Project,
    Region,
    Reminder,
    User,
)
from disburse.adapters.rulesets import RULE_KEY
from disburse.domain import payee
from disburse.domain.citations import QUJING, cite
from disburse.domain.labels import PAYMENT_KINDS
from disburse.domain.money import amount_en, amount_zh
from disburse.domain.notice import local_date
from disburse.domain.rules import RuleSet
from disburse.domain.states import (
    IN_FLIGHT,
    AcceptanceEvent,
    AcceptanceState,
    ApplicationEvent,
    ApplicationState,
    PaymentState,
    ProjectState,
)
from disburse.services import acceptances, applications, delegations
from disburse.services.context import SYSTEM, Origin
from disburse.services.errors import ServiceError
from disburse.services.notifications import Addressee, Directory, Message, notify_reminders

log = logging.getLogger(__name__)

#: The leading group approves a result once its notice ended without objection (seed 004 §5(5)3).
NOTICE_CLAUSE = cite(QUJING, "五(五)3")

Job = Callable[..., int]

ORIGIN = Origin(request_id=None, client_addr="scheduler")

#: Project states in which deadlines and reports are followed.
ACTIVE_STATES = (ProjectState.FILED, ProjectState.TENDERED, ProjectState.CONTRACTOR_SELECTED,
                 ProjectState.STAGED_ACCEPTANCE, ProjectState.FINAL_AUDIT)


# --- the one way a reminder fires -------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A reminder that is due: its unique key's parts, who gets it and what it says."""

    kind: str
    target: str
    period: str
    project_id: int | None
    message: Message
    #: (roles, scope) pairs; scope is "county" (the project's county) or "above" (enclosing regions)
    audience: tuple[tuple[tuple[str, ...], str], ...]
    extra_users: tuple[int, ...] = ()
    #: users the audience leaves out (the actor already reminded, for the colleagues' level)
    except_users: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.target}:{self.period}"


def _fired(session: Session, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        found.update(session.scalars(select(Reminder.key).where(Reminder.key.in_(keys[i:i + 500]))))
    return found


# --- stopping -------------------------------------------------------------------------------------

#: Reminders fired per transaction: a stop request is honoured between two batches.
BATCH = 100

_stop = threading.Event()


def request_stop() -> None:
    """Ask every sweep of this process to end after the batch it is firing (the scheduler's SIGTERM).

    What is left stays due and is fired by the next run, here or in the next leader: each
    batch commits on its own, so stopping between batches loses and repeats nothing.
    """
    _stop.set()


def clear_stop() -> None:
    """Let sweeps run again (a scheduler starting, or one that has stopped its jobs)."""
    _stop.clear()


def stopping() -> bool:
    """Whether this process was asked to stop."""
    return _stop.is_set()


# --- firing ---------------------------------------------------------------------------------------


class _Audiences:
    """Who gets each reminder of a sweep: the users of every county the sweep reaches, read once
    (:class:`Directory`), and the extra users of a reminder (a contractor's) once per set. A user away with a
    delegation in force (代理, issue 21 item 2) is reminded and so is their deputy, so their work does not stop."""

    def __init__(self, session: Session, dues: Sequence[Due], paths: dict[int, str], now: datetime) -> None:
        roles = {role for due in dues for roles, _scope in due.audience for role in roles}
        self._directory = Directory(session, roles, set(paths.values()))
        self._extra: dict[tuple[int, ...], list[Addressee]] = {}
        self._deputies: dict[int, list[Addressee]] = {}
        for principal_id, deputy in delegations.deputies(session, now):
            self._deputies.setdefault(principal_id, []).append(Addressee(deputy.id, deputy.email))

    def of(self, session: Session, due: Due, county_path: str) -> list[Addressee]:
        seen: dict[int, Addressee] = {}
        for roles, scope in due.audience:
            for user in self._directory.recipients(roles=roles, county_path=county_path, above=scope == "above"):
                seen.setdefault(user.id, user)
        if due.extra_users:
            if due.extra_users not in self._extra:
                self._extra[due.extra_users] = [Addressee(u.id, u.email) for u in session.scalars(
                    select(User).where(User.id.in_(due.extra_users), User.active.is_(True)))]
            for user in self._extra[due.extra_users]:
                seen.setdefault(user.id, user)
        for user_id in due.except_users:
            seen.pop(user_id, None)
        for user_id in list(seen):
            for deputy in self._deputies.get(user_id, ()):
                seen.setdefault(deputy.id, deputy)
        return sorted(seen.values(), key=lambda u: u.id)


def _fire_all(db: Database, dues: Sequence[Due], paths: dict[int, str], now: datetime, mail: bool) -> int:
    """Fire each due reminder not fired yet, :data:`BATCH` to a transaction; the number fired.

    The keys already fired are read first, so a sweep that finds nothing new writes nothing.
    Between batches the sweep ends if the process is stopping (:func:`request_stop`). If another
    scheduler fired one of a batch's keys meanwhile, the batch rolls back and is fired again one
    reminder to a transaction, so only that key is skipped.
    """
    if not dues:
        return 0
    with db.reading() as tx:
        already = _fired(tx.session, (d.key for d in dues))
        unique: dict[str, Due] = {}
        for due in dues:
            if due.key not in already:
                unique.setdefault(due.key, due)
        todo = list(unique.values())
        if not todo:
            return 0
        audiences = _Audiences(tx.session, todo, {pid: paths[pid] for d in todo
                                                  if (pid := d.project_id or 0) in paths}, now)
    fired = 0
    for i in range(0, len(todo), BATCH):
        if stopping():
            log.info("stopping: %d reminder(s) left for the next run", len(todo) - i)
            break
        batch = todo[i:i + BATCH]
        try:
            fired += _fire_batch(db, batch, paths, now, mail, audiences)
        except IntegrityError:
            for due in batch:
                try:
                    fired += _fire_batch(db, [due], paths, now, mail, audiences)
                except IntegrityError:
                    log.info("reminder %s was fired by another scheduler", due.key)
    return fired


def _fire_batch(db: Database, batch: Sequence[Due], paths: dict[int, str], now: datetime, mail: bool,
                audiences: _Audiences) -> int:
    """Store the reminders of ``batch`` under their unique keys and write their notifications, in one transaction
    of a few statements (an ``INSERT`` of the batch fails on a key another scheduler stored first)."""
    with db.writing() as tx:
        s = tx.session
        s.execute(insert(Reminder), [{"key": due.key, "kind": due.kind, "target": due.target, "period": due.period,
                                      "project_id": due.project_id, "fired_at": now} for due in batch])
        ids = dict(s.execute(select(Reminder.key, Reminder.id).where(Reminder.key.in_([d.key for d in batch]))).all())
        notify_reminders(s, [(ids[due.key], audiences.of(s, due, paths.get(due.project_id or 0, "")), due.message)
                             for due in batch], now=now, mail=mail)
        tx.commit()
    return len(batch)


COUNTY_COMMERCE = ((("commerce",), "county"),)
SUPERVISORS = ((("supervisor",), "county"), (("supervisor",), "above"))


def _projects(session: Session, states: Sequence[str] = ACTIVE_STATES) -> list[tuple[int, str, str, str, datetime]]:
    """(id, name, rule set, region path, created_at) of the projects in ``states``."""
    rows = session.execute(
        select(Project.id, Project.name, RULE_KEY, Region.path, Project.created_at)
        .join(Region, Region.code == Project.region_code).where(Project.state.in_(states)).order_by(Project.id)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _rules(session: Session, key: str, cache: dict[str, RuleSet]) -> RuleSet:
    """The rules a project is held to, by its rule key (read once per sweep)."""
    if key not in cache:
        cache[key] = rulesets.by_key(session, key)
    return cache[key]


def _week(days_over: int) -> str:
    return f"w{days_over // 7}"


# --- monthly progress reports -----------------------------------------------------------------


def report_due_date(year: int, month: int, due_day: int) -> date:
    """The due day of a month's report: the rule set's day, or the month's last day if shorter."""
    return date(year, month, min(due_day, calendar.monthrange(year, month)[1]))


def _previous_month(day: date) -> tuple[int, int]:
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


def report_dues(session: Session, today: date) -> list[Due]:
    """The report reminders and overdue alerts due on ``today`` (local date)."""
    cache: dict[str, RuleSet] = {}
    projects = _projects(session)
    months = {f"{y:04d}-{m:02d}" for y, m in ((today.year, today.month), _previous_month(today))}
    submitted = {(pid, month) for pid, month in session.execute(
        select(ProgressReport.project_id, ProgressReport.month).where(ProgressReport.month.in_(months)))}
    dues: list[Due] = []
    for pid, name, rule_set, _path, created_at in projects:
        rules = _rules(session, rule_set, cache)
        created = local_date(created_at)
        for year, month in (_previous_month(today), (today.year, today.month)):
            label = f"{year:04d}-{month:02d}"
            due = report_due_date(year, month, rules.report_due_day)
            if (pid, label) in submitted or created > due:
                continue
            clause = rules.report_clause or cite(QUJING, "八(一)3")
            if due - timedelta(days=rules.report_lead_days) <= today <= due:
                dues.append(Due("report_due", f"project:{pid}", label, pid, Message(
                    kind="report_due", level="reminder", project_id=pid, link=f"/projects/{pid}",
                    subject_zh=f"请于{due.month}月{due.day}日前报送{label}进度月报：{name}",
                    subject_en=f"Monthly progress report {label} due on {due.isoformat()}: {name}",
                    body_zh=f"项目“{name}”{label}的进度月报应于{due.isoformat()}前报送（{clause}）。",
                    body_en=f"The {label} progress report of “{name}” is due on {due.isoformat()} ({clause}).",
                ), COUNTY_COMMERCE))
            elif today > due:
                over = (today - due).days
                dues.append(Due("report_overdue", f"project:{pid}", f"{label}:{_week(over - 1)}", pid, Message(
                    kind="report_overdue", level="overdue", project_id=pid, link=f"/projects/{pid}",
                    subject_zh=f"{label}进度月报逾期未报：{name}",
                    subject_en=f"Progress report {label} overdue: {name}",
                    body_zh=f"项目“{name}”{label}的进度月报应于{due.isoformat()}前报送，已逾期{over}天（{clause}）。",
                    body_en=f"The {label} progress report of “{name}” was due on {due.isoformat()}; "
                            f"it is {over} day(s) late ({clause}).",
                ), COUNTY_COMMERCE + SUPERVISORS))
    return dues


def remind_reports(db: Database, now: datetime, *, mail: bool = False) -> int:
    return _sweep(db, now, mail, lambda s, n: report_dues(s, local_date(n)))


def _sweep(db: Database, now: datetime, mail: bool, find: Callable[[Session, datetime], list[Due]]) -> int:
    """Find what is due at ``now`` in one read, then fire each reminder in its own transaction."""
    with db.reading() as tx:
        dues = find(tx.session, now)
        paths = _paths(tx.session, dues)
    return _fire_all(db, dues, paths, now, mail)


def _paths(session: Session, dues: Sequence[Due]) -> dict[int, str]:
    ids = {d.project_id for d in dues if d.project_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Project.id, Region.path).join(Region, Region.code == Project.region_code)
                           .where(Project.id.in_(ids)))
    return {pid: path for pid, path in rows}


# --- phase and budget-line deadlines ---------------------------------------------------------


def lead_due(today: date, deadline: date, leads: Sequence[int]) -> int | None:
    """The lead time (days) whose reminder is due on ``today``: the nearest one already reached.

    ``None`` before the first lead time and after the deadline. On the
    deadline itself the smallest lead time applies.
    """
    left = (deadline - today).days
    if left < 0:
        return None
    reached = [lead for lead in leads if left <= lead]
    return min(reached) if reached else None


def _lines_done(session: Session, project_ids: Sequence[int]) -> set[int]:
    """Budget lines whose every contract has an approved final acceptance."""
    rows = session.execute(
        select(ContractLine.line_id, Contract.id, Acceptance.id)
        .join(Contract, Contract.id == ContractLine.contract_id)
        .outerjoin(Acceptance, (Acceptance.contract_id == Contract.id) & (Acceptance.kind == "final")
                   & (Acceptance.state == AcceptanceState.APPROVED))
        .where(Contract.project_id.in_(project_ids))
    )
    state: dict[int, bool] = {}
    for line_id, _contract_id, approved in rows:
        state[line_id] = state.get(line_id, True) and approved is not None
    return {line for line, done in state.items() if done}


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def deadline_dues(session: Session, today: date) -> list[Due]:
    cache: dict[str, RuleSet] = {}
    projects = {p[0]: p for p in _projects(session)}
    if not projects:
        return []
    ids = list(projects)
    dues: list[Due] = []
    items: list[tuple[str, int, int, str, date]] = []
    for ph in session.execute(select(Phase.id, Phase.project_id, Phase.name, Phase.end)
                              .where(Phase.project_id.in_(ids), Phase.end.is_not(None))):
        items.append(("phase", ph.id, ph.project_id, ph.name, ph.end))
    for ln in session.execute(select(BudgetLine.id, BudgetLine.project_id, BudgetLine.item, BudgetLine.category,
                                     BudgetLine.deadline)
                              .where(BudgetLine.project_id.in_(ids), BudgetLine.deadline.is_not(None))):
        items.append(("line", ln.id, ln.project_id, _short(f"{ln.category}：{ln.item}"), ln.deadline))
    done = _lines_done(session, ids)
    for kind, item_id, pid, label, deadline in items:
        _, name, rule_set, _path, _created = projects[pid]
        rules = _rules(session, rule_set, cache)
        what_zh = "阶段" if kind == "phase" else "建设内容"
        what_en = "Phase" if kind == "phase" else "Budget line"
        lead = lead_due(today, deadline, rules.deadline_lead_days)
        if lead is not None:
            dues.append(Due("deadline", f"{kind}:{item_id}", f"{deadline.isoformat()}:{lead}d", pid, Message(
                kind="deadline", level="reminder", project_id=pid, link=f"/projects/{pid}",
                subject_zh=f"{what_zh}“{label}”将于{deadline.isoformat()}到期（项目：{name}）",
                subject_en=f"{what_en} “{label}” is due on {deadline.isoformat()} (project: {name})",
                body_zh=f"距到期还有{(deadline - today).days}天。",
                body_en=f"{(deadline - today).days} day(s) left.",
            ), COUNTY_COMMERCE))
        elif today > deadline and kind == "line" and item_id not in done:
            over = (today - deadline).days
            dues.append(Due("deadline_overdue", f"{kind}:{item_id}", f"{deadline.isoformat()}:{_week(over - 1)}",
                            pid, Message(
                kind="deadline_overdue", level="escalation", project_id=pid, link=f"/projects/{pid}",
                subject_zh=f"建设内容“{label}”已逾期{over}天未完成验收（项目：{name}）",
                subject_en=f"Budget line “{label}” is {over} day(s) past its deadline without final acceptance "
                           f"(project: {name})",
                body_zh=f"该内容应于{deadline.isoformat()}前完成。",
                body_en=f"It was due on {deadline.isoformat()}.",
            ), COUNTY_COMMERCE + SUPERVISORS))
    return dues


def remind_deadlines(db: Database, now: datetime, *, mail: bool = False) -> int:
    return _sweep(db, now, mail, lambda s, n: deadline_dues(s, local_date(n)))


# --- public notices ---------------------------------------------------------------------------


def close_notices(db: Database, now: datetime, *, mail: bool = False) -> int:
    """Close every ended notice of an acceptance still ``in_notice``; tell who acts next. Notices closed."""
    with db.reading() as tx:
        ended = [tuple(row) for row in tx.session.execute(
            select(Acceptance.id, Acceptance.state, Notice.id)
            .join(Notice, Notice.acceptance_id == Acceptance.id)
            .where(Notice.closed_at.is_(None), Notice.ends_at <= now,
                   Acceptance.state.in_((AcceptanceState.IN_NOTICE, AcceptanceState.OBJECTED)))
            .order_by(Notice.ends_at, Notice.id)
        )]
    closed = 0
    for acceptance_id, state, _notice_id in ended:
        if stopping():
            break
        if state != AcceptanceState.IN_NOTICE:
            continue
        try:
            acceptances.fire_event(db, SYSTEM, ORIGIN, acceptance_id, AcceptanceEvent.CLOSE_NOTICE, {}, now)
            closed += 1
        except ServiceError as exc:  # another scheduler closed it first, or the project was suspended
            log.info("close_notice on acceptance %s not done: %s", acceptance_id, exc)
    closed += _close_application_notices(db, now)
    _sweep(db, now, mail, _notice_followups)
    return closed


def _close_application_notices(db: Database, now: datetime) -> int:
    """Close every ended notice of an application still ``in_notice`` (issue 20), as an acceptance's: the
    leader may then award it. One with objections waits for commerce to decide them."""
    with db.reading() as tx:
        ended = list(tx.session.scalars(
            select(Application.id).join(Notice, Notice.application_id == Application.id)
            .where(Notice.closed_at.is_(None), Notice.ends_at <= now, Application.state == ApplicationState.IN_NOTICE)
            .order_by(Notice.ends_at, Notice.id)))
    closed = 0
    for application_id in ended:
        if stopping():
            break
        try:
            applications.fire_event(db, SYSTEM, ORIGIN, application_id, ApplicationEvent.CLOSE_NOTICE, {}, now)
            closed += 1
        except ServiceError as exc:  # another scheduler closed it first, or it was objected to meanwhile
            log.info("close_notice on application %s not done: %s", application_id, exc)
    return closed


def _notice_followups(session: Session, now: datetime) -> list[Due]:
    """Leaders told of acceptances awaiting approval; commerce told of ended notices with objections."""
    rows = session.execute(
        select(Acceptance.id, Acceptance.state, Acceptance.project_id, Notice.id, Project.name)
        .join(Notice, Notice.acceptance_id == Acceptance.id).join(Project, Project.id == Acceptance.project_id)
        .where(Notice.ends_at <= now, Notice.ends_at > now - timedelta(days=60),
               Acceptance.state.in_((AcceptanceState.NOTICE_CLEAR, AcceptanceState.OBJECTED)))
    )
    dues = []
    for acceptance_id, state, pid, notice_id, name in rows:
        if state == AcceptanceState.NOTICE_CLEAR:
            dues.append(Due("acceptance_awaits_approval", f"acceptance:{acceptance_id}", f"notice:{notice_id}", pid,
                            Message(kind="acceptance_awaits_approval", level="reminder", project_id=pid,
                                    link=f"/acceptances/{acceptance_id}",
                                    subject_zh=f"验收结果公示期满无异议，请领导小组审定（项目：{name}）",
                                    subject_en=f"Acceptance notice ended without objection; awaiting approval "
                                               f"(project: {name})",
                                    body_zh=f"公示期满无异议，请审定验收结果（{NOTICE_CLAUSE}）。",
                                    body_en="The notice ended without objection; please approve the result "
                                            f"({NOTICE_CLAUSE})."),
                            ((("leader",), "county"),)))
        else:
            dues.append(Due("notice_objections", f"acceptance:{acceptance_id}", f"notice:{notice_id}", pid,
                            Message(kind="notice_objections", level="reminder", project_id=pid,
                                    link=f"/acceptances/{acceptance_id}",
                                    subject_zh=f"公示期已结束，尚有异议待处理（项目：{name}）",
                                    subject_en=f"Notice ended with objections still open (project: {name})",
                                    body_zh=f"请处理全部异议后再报领导小组审定（{NOTICE_CLAUSE}）。",
                                    body_en="Resolve every objection before the result goes to the leading group "
                                            f"({NOTICE_CLAUSE})."),
                            COUNTY_COMMERCE))
    return dues


# --- payments waiting -------------------------------------------------------------------------

#: The state a payment waits in, and the role whose step it awaits.
WAITING: dict[str, tuple[str, str, str]] = {PaymentState.REQUESTED: ("commerce", "核实", "verification"),
           PaymentState.VERIFIED: ("finance", "审批", "approval")}

#: The column naming who took the waiting step last time, on the project's other payments.
_ACTED_BY = {PaymentState.REQUESTED: Payment.verified_by, PaymentState.VERIFIED: Payment.approved_by}

#: The three levels of a waiting payment (issue 21 item 3; docs/decisions.md "Issue 21 — escalation"):
#: (key stage, multiple of the SLA, notification level, label zh, label en). The last keeps the key
#: ``escalate`` it had before the levels, so escalations stored then still count.
LEVELS: tuple[tuple[str, int, str, str, str], ...] = (
    ("remind", 1, "reminder", "已提醒经办人", "actor reminded"),
    ("colleagues", 2, "overdue", "已提醒同岗位同事", "colleagues alerted"),
    ("escalate", 3, "escalation", "已上报督导", "escalated to supervisors"),
)


def waiting_level(waited_days: int, sla_days: int) -> int:
    """How many levels a payment waiting ``waited_days`` has reached under an SLA of ``sla_days`` (0 … 3)."""
    return sum(1 for _stage, multiple, *_ in LEVELS if waited_days >= multiple * sla_days)


def _escalation_key() -> ColumnElement[str]:
    """The key ``payment_waiting:payment:{id}:{state}:escalate`` of a payment's last level, as SQL."""
    return literal("payment_waiting:payment:") + cast(Payment.id, String) + ":" + Payment.state + ":escalate"


def _actors(session: Session, project_ids: set[int]) -> dict[tuple[int, str], int]:
    """(project, waiting state) → the active user who last took that step on the project's payments."""
    found: dict[tuple[int, str], int] = {}
    if not project_ids:
        return found
    for state, column in _ACTED_BY.items():
        role = WAITING[state][0]
        rows = session.execute(
            select(Payment.project_id, column).join(User, User.id == column)
            .where(Payment.project_id.in_(project_ids), User.active.is_(True), User.role == role)
            .order_by(Payment.updated_at, Payment.id))
        for pid, user_id in rows:
            if user_id is not None:
                found[(pid, state)] = user_id  # the latest wins
    return found


def payment_dues(session: Session, now: datetime) -> list[Due]:
    """Payments waiting past the approval SLA, at each level reached (:data:`LEVELS`): after the SLA the
    actor (who last took this step on the project's payments, else every county user of the role); after
    twice the SLA the county's other users of the role; after three times the role above the county and the
    supervisors. Each level is its own key, so each is sent once per payment and state. A payment already
    at the last level has nothing more due until it moves, so the query leaves it out (one index probe of
    the reminders' unique key)."""
    cache: dict[str, RuleSet] = {}
    rows = list(session.execute(
        select(Payment.id, Payment.state, Payment.amount, Payment.kind, Payment.updated_at, Project.id,
               Project.name, RULE_KEY)
        .join(Project, Project.id == Payment.project_id)
        .where(Payment.state.in_(tuple(WAITING)), Project.state.in_(ACTIVE_STATES),
               ~exists().where(Reminder.key == _escalation_key()))
    ))
    actors = _actors(session, {r[5] for r in rows if (now - r[4]).days >= _rules(session, r[7], cache)
                               .approval_sla_days})
    dues: list[Due] = []
    for pay_id, state, amount, kind, since, pid, name, rule_set in rows:
        sla = _rules(session, rule_set, cache).approval_sla_days
        waited = (now - since).days
        role, step_zh, step_en = WAITING[state]
        kind_zh, kind_en = PAYMENT_KINDS.get(kind, (kind, kind))
        actor = actors.get((pid, state))
        county = ((role,), "county")
        for stage, multiple, level, _zh, _en in LEVELS[:waiting_level(waited, sla)]:
            extra: tuple[int, ...] = ()
            skip: tuple[int, ...] = ()
            if stage == "remind":
                audience: tuple[tuple[tuple[str, ...], str], ...] = () if actor else (county,)
                extra = (actor,) if actor else ()
            elif stage == "colleagues":
                audience, skip = (county,), ((actor,) if actor else ())
            else:
                audience = (county, ((role,), "above")) + SUPERVISORS
            dues.append(Due("payment_waiting", f"payment:{pay_id}", f"{state}:{stage}", pid, Message(
                kind="payment_waiting", level=level, project_id=pid, link=f"/payments/{pay_id}",
                subject_zh=f"付款申请待{step_zh}已{waited}天（{amount_zh(amount)}，项目：{name}）",
                subject_en=f"Payment of {amount_en(amount)} has awaited {step_en} for {waited} day(s) "
                           f"(project: {name})",
                body_zh=f"{kind_zh}申请#{pay_id}自{local_date(since).isoformat()}起待{step_zh}，"
                        f"超过{multiple * sla}天（办理时限{sla}天的{multiple}倍）。",
                body_en=f"The payment #{pay_id} ({kind_en.lower()}) has awaited {step_en} since "
                        f"{local_date(since).isoformat()}, beyond {multiple * sla} days ({multiple}× the "
                        f"{sla}-day limit).",
            ), audience, extra, skip))
    return dues


def payment_levels(session: Session, states: dict[int, str]) -> dict[int, int]:
    """Payment id → the number of levels fired in its current state (0 … 3), for payments given as
    ``{id: state}``, in one query: what the desks show."""
    if not states:
        return {}
    stages = {stage: i + 1 for i, (stage, *_rest) in enumerate(LEVELS)}
    found: dict[int, int] = {}
    rows = session.execute(select(Reminder.target, Reminder.period).where(
        Reminder.kind == "payment_waiting", Reminder.target.in_([f"payment:{i}" for i in states])))
    for target, period in rows:
        pay_id = int(target.split(":")[1])
        state, _, stage = period.partition(":")
        if state == states.get(pay_id) and stage in stages:
            found[pay_id] = max(found.get(pay_id, 0), stages[stage])
    return found


def mark_waits(db: Database, items: list[dict[str, Any]], now: datetime) -> None:
    """Add to each desk queue item (``id``, ``state``, ``waiting_since``) the whole days it has waited
    (``waited_days``) and the escalation level it reached (``level``, 0 … 3), in one read of one statement."""
    if not items:
        return
    with db.reading() as tx:
        levels = payment_levels(tx.session, {item["id"]: item["state"] for item in items})
    for item in items:
        item["waited_days"] = max((now - datetime.fromisoformat(item["waiting_since"])).days, 0)
        item["level"] = levels.get(item["id"], 0)


def remind_payments(db: Database, now: datetime, *, mail: bool = False) -> int:
    return _sweep(db, now, mail, payment_dues)


# --- rectification deadlines ------------------------------------------------------------------


def rectification_dues(session: Session, today: date) -> list[Due]:
    cache: dict[str, RuleSet] = {}
    rows = list(session.execute(
        select(Acceptance.id, Acceptance.rectify_deadline, Acceptance.attempt, Project.id, Project.name,
               RULE_KEY, Contractor.credit_code)
        .join(Project, Project.id == Acceptance.project_id)
        .join(Contract, Contract.id == Acceptance.contract_id).join(Contractor, Contractor.id == Contract.contractor_id)
        .where(Acceptance.state == AcceptanceState.RECTIFYING, Acceptance.rectify_deadline.is_not(None))
    ))
    codes = {r.credit_code for r in rows}
    contractor_users: dict[str, tuple[int, ...]] = {}
    if codes:
        for uid, code in session.execute(select(User.id, User.contractor_code)
                                         .where(User.contractor_code.in_(codes), User.role == "contractor")):
            if code is not None:
                contractor_users[code] = contractor_users.get(code, ()) + (uid,)
    dues: list[Due] = []
    for acc_id, deadline, attempt, pid, name, rule_set, code in rows:
        if deadline is None or code is None:
            continue
        rules = _rules(session, rule_set, cache)
        lead = lead_due(today, deadline, rules.deadline_lead_days)
        target, extra = f"acceptance:{acc_id}", contractor_users.get(code, ())
        if lead is not None:
            dues.append(Due("rectification", target, f"{attempt}:{deadline.isoformat()}:{lead}d", pid, Message(
                kind="rectification", level="reminder", project_id=pid, link=f"/acceptances/{acc_id}",
                subject_zh=f"整改期限{deadline.isoformat()}，还有{(deadline - today).days}天（项目：{name}）",
                subject_en=f"Rectification due on {deadline.isoformat()}, {(deadline - today).days} day(s) left "
                           f"(project: {name})",
                body_zh="请在整改期限内完成整改并重新申请验收。",
                body_en="Complete the rectification and re-apply for acceptance before the deadline.",
            ), COUNTY_COMMERCE, extra))
        elif today > deadline:
            over = (today - deadline).days
            dues.append(Due("rectification_overdue", target, f"{attempt}:{deadline.isoformat()}:{_week(over - 1)}",
                            pid, Message(
                kind="rectification_overdue", level="escalation", project_id=pid, link=f"/acceptances/{acc_id}",
                subject_zh=f"整改逾期{over}天（项目：{name}）",
                subject_en=f"Rectification {over} day(s) overdue (project: {name})",
                body_zh=f"整改期限为{deadline.isoformat()}，至今未重新申请验收。",
                body_en=f"The deadline was {deadline.isoformat()}; no re-application yet.",
            ), COUNTY_COMMERCE + ((("leader",), "county"),) + SUPERVISORS, extra))
    return dues


def remind_rectifications(db: Database, now: datetime, *, mail: bool = False) -> int:
    return _sweep(db, now, mail, lambda s, n: rectification_dues(s, local_date(n)))


# --- idle funds (issue 16) ------------------------------------------------------------------------------


def idle_funds_dues(session: Session, today: date) -> list[Due]:
    """Funds arrived for a project and not paid out, the rule set's ``idle_days`` after the last arrival: the
    finance bureau and the supervisor are told once per arrival (seed 003 §5(1)2: the finance bureau answers
    for the funds). Only the projects with arrivals are read, and the payments summed only for those whose
    arrival has waited long enough and was not told of yet, so a tick reads no payment history when nothing
    new is due."""
    cache: dict[str, RuleSet] = {}
    arrivals = session.execute(
        select(Allocation.project_id, func.sum(Allocation.amount), func.max(Allocation.arrived_on),
               func.max(Allocation.id))
        .join(Project, Project.id == Allocation.project_id).where(Project.state.in_(ACTIVE_STATES))
        .group_by(Allocation.project_id)).all()
    if not arrivals:
        return []
    projects = {pid: (name, key) for pid, name, key in session.execute(
        select(Project.id, Project.name, RULE_KEY).where(Project.id.in_([a[0] for a in arrivals])))}
    waiting = []
    for pid, arrived, last_on, last_id in arrivals:
        idle_days = _rules(session, projects[pid][1], cache).idle_days
        if idle_days > 0 and (today - last_on).days >= idle_days:
            waiting.append((pid, arrived, last_on, last_id, idle_days))
    told = _fired(session, (f"idle_funds:project:{w[0]}:allocation:{w[3]}" for w in waiting))
    waiting = [w for w in waiting if f"idle_funds:project:{w[0]}:allocation:{w[3]}" not in told]
    if not waiting:
        return []
    paid = dict(session.execute(
        select(Payment.project_id, func.sum(Payment.amount))
        .where(Payment.project_id.in_([w[0] for w in waiting]), Payment.state == PaymentState.DISBURSED)
        .group_by(Payment.project_id)).all())
    dues: list[Due] = []
    for pid, arrived, last_on, last_id, idle_days in waiting:
        name = projects[pid][0]
        idle = Decimal(arrived) - Decimal(paid.get(pid) or 0)
        waited = (today - last_on).days
        if idle <= 0:
            continue
        dues.append(Due("idle_funds", f"project:{pid}", f"allocation:{last_id}", pid, Message(
            kind="idle_funds", level="reminder", project_id=pid, link=f"/projects/{pid}",
            subject_zh=f"到位资金{amount_zh(idle)}已闲置{waited}天（项目：{name}）",
            subject_en=f"{amount_en(idle)} arrived has stayed unpaid for {waited} day(s) (project: {name})",
            body_zh=f"最近一笔资金于{last_on.isoformat()}到位，至今未拨付完毕，超过{idle_days}天。",
            body_en=f"The last funds arrived on {last_on.isoformat()} and are not paid out after {idle_days} days.",
        ), ((("finance",), "county"),) + SUPERVISORS))
    return dues


def remind_idle_funds(db: Database, now: datetime, *, mail: bool = False) -> int:
    return _sweep(db, now, mail, lambda s, n: idle_funds_dues(s, local_date(n)))


# --- the payment due clock (issue 17) -------------------------------------------------------------------


def payment_due_dues(session: Session, today: date) -> list[Due]:
    """Stage and final acceptances approved and not yet paid (no disbursed payment relies on them): the
    payment is due the contract's ``payment_due_days`` (else the rule set's, 30) after the approval
    (保障中小企业款项支付条例 第八条、第九条). From :data:`~disburse.domain.payee.DUE_LEAD_DAYS` before the
    due day the county's finance users are reminded once; after it, finance and the supervisors are
    alerted once. Keyed by the acceptance and its due day. Acceptances already paid are left out by the
    query (an index probe of ``payments.acceptance_id``), so the rows read are the open ones, not history."""
    cache: dict[str, RuleSet] = {}
    rows = session.execute(
        select(Acceptance.id, Acceptance.kind, Acceptance.updated_at, Contract.id, Contract.lot,
               Contract.payment_due_days, Contractor.name, Project.id, Project.name, RULE_KEY)
        .join(Contract, Contract.id == Acceptance.contract_id).join(Contractor, Contractor.id == Contract.contractor_id)
        .join(Project, Project.id == Acceptance.project_id)
        .where(Acceptance.state == AcceptanceState.APPROVED, Acceptance.kind.in_(("stage", "final")),
               Project.state.in_(ACTIVE_STATES),
               ~exists().where(Payment.acceptance_id == Acceptance.id, Payment.state == PaymentState.DISBURSED))
    ).all()
    if not rows:
        return []
    relying: dict[int, list[tuple[int, str]]] = {}
    for pay_id, acc_id, state in session.execute(
            select(Payment.id, Payment.acceptance_id, Payment.state)
            .where(Payment.acceptance_id.in_([r[0] for r in rows])).order_by(Payment.id)):
        if acc_id is not None:
            relying.setdefault(acc_id, []).append((pay_id, state))
    dues: list[Due] = []
    for acc_id, kind, approved_at, _contract_id, lot, contract_days, payee_name, pid, name, key in rows:
        payments = relying.get(acc_id, [])
        if any(state == PaymentState.DISBURSED for _, state in payments):
            continue
        days = contract_days or _rules(session, key, cache).payment_due_days
        clock = payee.due_clock(local_date(approved_at), days, today=today)
        live = [pay_id for pay_id, state in payments if state in IN_FLIGHT]
        link = f"/payments/{live[0]}" if live else f"/acceptances/{acc_id}"
        what_zh, what_en = ("阶段款", "stage payment") if kind == "stage" else ("尾款", "final payment")
        due_on = clock.due_on.isoformat()
        if clock.overdue_days > 0:
            dues.append(Due("payment_overdue", f"acceptance:{acc_id}", f"{due_on}:overdue", pid, Message(
                kind="payment_overdue", level="escalation", project_id=pid, link=link,
                subject_zh=f"{payee_name}的{what_zh}已逾期{clock.overdue_days}天（{lot}，项目：{name}）",
                subject_en=f"The {what_en} to {payee_name} is {clock.overdue_days} day(s) overdue "
                           f"({lot}, project: {name})",
                body_zh=f"验收于{local_date(approved_at).isoformat()}审定，应于{due_on}前付款（{days}日）。"
                        f"依据：{payee.DUE_CLAUSE}。",
                body_en=f"The acceptance was approved on {local_date(approved_at).isoformat()}; payment was due "
                        f"by {due_on} ({days} days), under {payee.DUE_CLAUSE}.",
            ), ((("finance",), "county"),) + SUPERVISORS))
        elif (clock.due_on - today).days <= payee.DUE_LEAD_DAYS:
            left = (clock.due_on - today).days
            dues.append(Due("payment_due", f"acceptance:{acc_id}", f"{due_on}:remind", pid, Message(
                kind="payment_due", level="reminder", project_id=pid, link=link,
                subject_zh=f"{payee_name}的{what_zh}应于{due_on}前支付，还有{left}天（{lot}，项目：{name}）",
                subject_en=f"The {what_en} to {payee_name} is due by {due_on}, {left} day(s) left "
                           f"({lot}, project: {name})",
                body_zh=f"验收于{local_date(approved_at).isoformat()}审定，付款期限{days}日。"
                        f"依据：{payee.DUE_CLAUSE}。",
                body_en=f"The acceptance was approved on {local_date(approved_at).isoformat()}; the payment term "
                        f"is {days} days, under {payee.DUE_CLAUSE}.",
            ), ((("finance",), "county"),)))
    return dues


def remind_payment_due(db: Database, now: datetime, *, mail: bool = False) -> int:
    return _sweep(db, now, mail, lambda s, n: payment_due_dues(s, local_date(n)))


#: The jobs by their explicit ids, in the order ``tick`` runs them.
JOBS: dict[str, Job] = {
    "close_notices": close_notices,
    "remind_reports": remind_reports,
    "remind_deadlines": remind_deadlines,
    "remind_payments": remind_payments,
    "remind_rectifications": remind_rectifications,
    "remind_idle_funds": remind_idle_funds,
    "remind_payment_due": remind_payment_due,
}


#: What :func:`tick` reports for a job that raised (the others still run).
FAILED = -1


def tick(db: Database, now: datetime, *, mail: bool = False) -> dict[str, int]:
    """Run every job once at ``now``; what each did (reminders fired, notices closed).

    A job that raises is logged with its traceback and reported as :data:`FAILED`;
    the jobs after it still run, so one broken project cannot hold up every reminder.
    When the process is stopping (:func:`request_stop`) the jobs not yet begun are left out.
    """
    done: dict[str, int] = {}
    for name, job in JOBS.items():
        if stopping():
            break
        try:
            done[name] = job(db, now, mail=mail)
        except Exception:
            log.exception("scheduler job %s failed at %s", name, now.isoformat())
            done[name] = FAILED
    return done

"""The embedded demo (``disburse demo``): a prefecture with two counties and projects in every state that matters.

宁德市 (350900) supervises 霞浦县 (350921, the stand-in for seed 003's XX县, as the tests use it) and
古田县 (350922). 霞浦县 has two commerce and two finance users, because segregation of duties needs four
people to carry one payment from request to disbursement (SPEC §5.3); its leader, two contractors, and the
prefecture's supervisor and inspector above them complete the cast. The projects are seed 003's plan, moved
to the year each one runs in, driven through the same services the API calls, on a clock that walks through
the past up to yesterday, so every notice, deadline and voucher date is plausible when a user first logs in:

- 霞浦县, two years ago: closed, its evaluation recorded;
- 霞浦县, last year: a stage acceptance failed and in rectification, its deadline ahead;
- 霞浦县, this year: an advance verified by commerce waiting for finance approval, another approved and
  waiting for the second finance user to disburse it, a stage acceptance in public notice with an objection,
  another whose notice ended clear, waiting for the leading group; and, on line (四) that seed 003 spends by
  applications (examples/plans/003-xx-2024.spending.yaml), an open call with an application whose work is
  accepted and its subsidy paid, one awarded, one in public notice with its proposed subsidy, one under review
  and one just submitted;
- 古田县, this year: tendering; next year: filed, waiting on the prefecture;
- demo-finance's leave next week, its queue handed to demo-finance-2 for the week (代理).

Running it again adds the demo users that are missing and no project: a database that holds any project,
the demo's or anyone's, gets none.
"""

import heapq
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from disburse.adapters.db import Database
from disburse.adapters.orm import Project, Region, User
from disburse.adapters.pdf import render_pdf
from disburse.domain.credit_code import check_char
from disburse.domain.labels import PAYMENT_KINDS
from disburse.domain.money import amount_zh
from disburse.domain.notice import SHANGHAI, local_date
from disburse.paths import EXAMPLES_DIR
from disburse.schemas.amendment import AllocationIn
from disburse.schemas.application import ApplicationAcceptanceIn, ApplicationEventIn, ApplicationIn, CallIn, SubsidyIn
from disburse.schemas.contract import ContractIn
from disburse.schemas.events import ProjectEvent
from disburse.schemas.plan import jsonable, load_plan
from disburse.services import (
    acceptances,
    allocations,
    applications,
    contracts,
    delegations,
    documents,
    notifications,
    payments,
    projects,
    regions,
    users,
)
from disburse.services.context import SYSTEM, Actor, Origin

PASSWORD = "disburse-demo"
CITY, COUNTY, SECOND_COUNTY = "350900", "350921", "350922"  # 宁德市, 霞浦县, 古田县

CONTRACTOR_A = "91350921MA32ABCD1" + check_char("91350921MA32ABCD1")
CONTRACTOR_B = "91350921MA32EFGH2" + check_char("91350921MA32EFGH2")
CONTRACTOR_NAMES = {CONTRACTOR_A: "霞浦县电商物流服务有限公司", CONTRACTOR_B: "霞浦县农村电商培训有限公司"}
PAYEES = {CONTRACTOR_A: ("中国农业银行霞浦县支行", "6228 4801 2345 6789 012"),
          CONTRACTOR_B: ("中国农业银行霞浦县支行", "6228 4801 9876 5432 109")}
DECLARED = {"independent_legal_person": True, "sound_accounting": True, "no_violation_3y": True}
#: The enterprises applying on this year's call (seed 003 §3(四)): a company, a cooperative (93…) and an
#: individual business (92…) of 霞浦县, as commerce enters their applications on their behalf.
APPLICANTS = {
    "paid": ("霞浦县沙江镇海产品电商服务有限公司", "91350921MA33TJHP8"),
    "awarded": ("霞浦县海韵电子商务有限公司", "91350921MA34HYDW5"),
    "in_notice": ("霞浦县三沙镇紫菜专业合作社", "93350921MA2YQC807"),
    "under_review": ("霞浦县闽东渔家电商有限公司", "91350921MA35MDYJ9"),
    "submitted": ("霞浦县溪南镇海珍农特产品网店", "92350921MA2XNH71X"),
}
APPLICANT_CODES = {k: (name, base[:17] + check_char(base[:17])) for k, (name, base) in APPLICANTS.items()}
#: The joint review panel (seed 003 §5(2)3①: 电商、财务等专业人员, with the bureaus concerned).
PANEL = [{"name": "林晓", "bureau": "县商务局", "no_conflict": True},
         {"name": "陈明", "bureau": "县财政局", "no_conflict": True},
         {"name": "郑华", "bureau": "县农业农村局", "no_conflict": True}]


@dataclass(frozen=True)
class DemoUser:
    """One demo login and the work waiting for it on its first visit."""

    username: str
    role: str
    region: str
    contractor: str | None = None
    waiting: str = ""


USERS = [
    DemoUser("demo-commerce", "commerce", COUNTY, waiting="霞浦县的项目、公示中的异议、待评审的项目申报"),
    DemoUser("demo-commerce-2", "commerce", COUNTY, waiting="第二位商务人员：核验依赖其同事验收结论的拨付"),
    DemoUser("demo-finance", "finance", COUNTY, waiting="待审批的拨付"),
    DemoUser("demo-finance-2", "finance", COUNTY, waiting="已审批、待拨付的款项"),
    DemoUser("demo-leader", "leader", COUNTY, waiting="待审定的验收、公示中的验收结果"),
    DemoUser("demo-contractor", "contractor", COUNTY, CONTRACTOR_A, waiting="合同、验收申请与拨付"),
    DemoUser("demo-contractor-2", "contractor", COUNTY, CONTRACTOR_B, waiting="合同与拨付"),
    DemoUser("demo-gt-commerce", "commerce", SECOND_COUNTY, waiting="古田县招标中与已报备的项目"),
    DemoUser("demo-supervisor", "supervisor", CITY, waiting="宁德市两县的项目"),
    DemoUser("demo-inspector", "inspector", CITY, waiting="宁德市的审计日志"),
    DemoUser("demo-admin", "admin", CITY, waiting="收件箱里的演示说明"),
]

#: Each story's acting users by role (the first two of commerce and finance are 霞浦县's).
COMMERCE, COMMERCE_2, FINANCE, FINANCE_2, LEADER = (
    "demo-commerce", "demo-commerce-2", "demo-finance", "demo-finance-2", "demo-leader")
CONTRACTOR, CONTRACTOR_2, GT_COMMERCE, SUPERVISOR = (
    "demo-contractor", "demo-contractor-2", "demo-gt-commerce", "demo-supervisor")

#: A story is linear code that yields the moment of its next step; :func:`run_stories` interleaves the
#: stories in time so the audit log reads in order.
Story = Iterator[datetime]


def prepare(db: Database, origin: Origin, *, today: date | None = None, documents: Path | None = None) -> bool:
    """Regions, the demo users, and (once) the demo county's projects; ``True`` when they were seeded now.

    ``today`` (a local date, default the real one) anchors the stories: everything happens before it.
    ``documents`` (the app's document store) lets the contractors attach an invoice and an application to
    the payments they request, so that finance decides with the evidence in view (issue 18 item 4).
    """
    today = today or local_date(datetime.now(UTC))
    start = _at(date(today.year - 2, 1, 5))
    regions.load_regions(db)
    for user in USERS:
        if users.actor_by_username(db, user.username) is None:
            users.create_user(db, user.username, role=user.role, region=user.region, password=PASSWORD,
                              contractor=user.contractor, actor=SYSTEM, origin=origin, now=start)
    with db.reading() as tx:
        if tx.session.scalar(select(func.count(Project.id))):
            return False
    demo = Demo(db, origin, today, documents)
    run_stories(demo, [demo.closed(), demo.rectifying(), demo.current(), demo.awaiting_leader(),
                       demo.applications(), demo.subsidised(), demo.publicised(), demo.arriving(), demo.tendering(),
                       demo.filed()])
    demo.welcome_admin()
    demo.leave_ahead()
    return True


def logins(db: Database) -> list[dict[str, str]]:
    """Each demo login with its role, region (name and code) and, for a contractor, its credit code."""
    with db.reading() as tx:
        names = dict(tx.session.execute(select(Region.code, Region.name)
                                        .where(Region.code.in_({u.region for u in USERS}))).all())
    return [{"username": u.username, "role": u.role, "region": u.region, "region_name": names.get(u.region, u.region),
             "contractor": u.contractor or "", "contractor_name": CONTRACTOR_NAMES.get(u.contractor or "", ""),
             "waiting": u.waiting} for u in USERS]


def run_stories(demo: "Demo", stories: list[Story]) -> None:
    """Run the stories' steps in the order of their moments (each story's own order kept)."""
    queue: list[tuple[datetime, int, Story]] = []
    for n, story in enumerate(stories):
        _push(queue, n, story)
    while queue:
        when, n, story = heapq.heappop(queue)
        demo.now = when
        _push(queue, n, story)


def _push(queue: list[tuple[datetime, int, Story]], n: int, story: Story) -> None:
    when = next(story, None)
    if when is not None:
        heapq.heappush(queue, (when, n, story))


def _at(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(UTC)


def _actor(db: Database, username: str) -> Actor:
    found = users.actor_by_username(db, username)
    assert found is not None, username
    return found


def _shift(value: Any, years: int) -> Any:
    """``value`` (an ISO date string) moved by whole years."""
    day = date.fromisoformat(value)
    return day.replace(year=day.year + years).isoformat()


def county_plan(name: str, region: str, year: int, doc_no: str) -> dict[str, Any]:
    """Seed 003's plan (1000万元 in five lines, rule set xx-2024) for ``region`` in ``year``, its notes left out."""
    plan: dict[str, Any] = jsonable(yaml.safe_load((EXAMPLES_DIR / "plans" / "003-xx-2024.yaml")
                                                   .read_text(encoding="utf-8")))
    years = year - 2024
    plan.update(name=name, region=region, doc_no=doc_no)
    plan.pop("source", None)
    plan["period"] = {k: _shift(v, years) for k, v in plan["period"].items()}
    plan["funding"] = [{"source": f"{year}年中央财政服务业发展资金（农村电商方向）", "amount": plan["total"]}]
    for phase in plan["phases"]:
        phase.pop("note", None)
        phase["start"], phase["end"] = _shift(phase["start"], years), _shift(phase["end"], years)
    for entry in (*plan["lines"], *plan["targets"]):
        entry.pop("note", None)
        if entry.get("deadline"):
            entry["deadline"] = _shift(entry["deadline"], years)
    return plan


class Demo:
    """The demo county's users and the service calls of its stories, at the moment :attr:`now`."""

    def __init__(self, db: Database, origin: Origin, today: date, documents: Path | None = None) -> None:
        self.db, self.origin, self.today, self.documents = db, origin, today, documents
        self.now = _at(today)
        self._actors: dict[str, Actor] = {}
        #: this year's 霞浦县 project and contractor B's contract, once signed (for :meth:`awaiting_leader`)
        self.current_b: tuple[projects.ProjectView, int] | None = None
        #: this year's 霞浦县 project, once filed (for :meth:`applications`), and its call (for :meth:`subsidised`)
        self.current_project: projects.ProjectView | None = None
        self.current_call: int | None = None
        self._vouchers = 0

    def ago(self, days: int, hour: int = 10) -> datetime:
        """``hour`` o'clock, ``days`` before the day the demo is run (Asia/Shanghai)."""
        return _at(self.today - timedelta(days=days), hour)

    def on(self, year: int, month: int, day: int, hour: int = 10) -> datetime:
        """``hour`` o'clock on a day of a past year (Asia/Shanghai)."""
        return _at(date(year, month, day), hour)

    def who(self, username: str) -> Actor:
        """The demo user acting, as the services see it."""
        if username not in self._actors:
            self._actors[username] = _actor(self.db, username)
        return self._actors[username]

    # --- projects -----------------------------------------------------------------------------

    def create(self, plan: dict[str, Any], as_: str = COMMERCE) -> projects.ProjectView:
        """A project from a plan document (``POST /projects``)."""
        loaded, source = load_plan(plan)
        pid = projects.create_project(self.db, self.who(as_), self.origin, loaded, source, now=self.now)
        return projects.get_project(self.db, self.who(as_), pid)

    def fire(self, pid: int, event: str, as_: str = COMMERCE, **data: Any) -> projects.ProjectView:
        """A project event with its data loaded as the API loads it (``POST /projects/{id}/events``)."""
        body = ProjectEvent().load({"event": event, **data})
        body.pop("event")
        return projects.fire_event(self.db, self.who(as_), self.origin, pid, event, body, now=self.now)

    def funds_arrived(self, project: projects.ProjectView, doc_no: str) -> None:
        """Finance records each funding source as arrived (xx-2024 approves no payment before)."""
        for source in project.funding:
            data = AllocationIn().load({"doc_no": doc_no, "source": source.source, "amount": f"{source.amount:.2f}",
                                        "arrived_on": local_date(self.now).isoformat()})
            allocations.record(self.db, self.who(FINANCE), self.origin, project.id, data, now=self.now)

    def tender(self, pid: int, reference: str, as_: str = COMMERCE) -> None:
        """An open tender by item, announced today."""
        self.fire(pid, "open_tender", as_, method="open", packaging="by_item",
                  announced_on=local_date(self.now).isoformat(), reference=reference)

    def sign(self, project: projects.ProjectView, lines: list[int], amount: str, lot: str, code: str,
             schedule: dict[str, Any]) -> int:
        """A contract on the plan's lines by their 1-based position, with the payee's account."""
        bank, account = PAYEES[code]
        data = ContractIn().load({
            "lot": lot, "amount": amount, "signed_on": local_date(self.now).isoformat(),
            "contractor": {"name": CONTRACTOR_NAMES[code], "credit_code": code, "region": COUNTY,
                           "declarations": DECLARED},
            "line_ids": [project.lines[n - 1].id for n in lines], "schedule": schedule,
            "payee_bank": bank, "payee_account": account})
        return contracts.sign_contract(self.db, self.who(COMMERCE), self.origin, project.id, data, now=self.now)

    # --- acceptances --------------------------------------------------------------------------

    def apply(self, contract_id: int, as_: str, kind: str, line_ids: list[int] | None = None) -> int:
        """An application for acceptance (a stage names the lines it delivers); its id."""
        data: dict[str, Any] = {"kind": kind, "stage": 1 if kind == "stage" else None, "note": None,
                                "document_ids": [], "line_ids": line_ids}
        return acceptances.apply(self.db, self.who(as_), self.origin, contract_id, data, self.now).id

    def act(self, acceptance_id: int, event: str, as_: str = COMMERCE, **data: Any) -> acceptances.AcceptanceView:
        """An acceptance event (``POST /acceptances/{id}/events``)."""
        body = {"note": None, **data}
        return acceptances.fire_event(self.db, self.who(as_), self.origin, acceptance_id, event, body, self.now)

    def publicised_and_approved(self, acceptance: int) -> Generator[datetime, None, datetime]:
        """The acceptance's notice published now, closed once it has run, approved by the leader the day after;
        returns the morning after that, when payment may start."""
        notice = self.act(acceptance, "publish").notice
        assert notice is not None
        yield notice.ends_at + timedelta(hours=10)
        self.act(acceptance, "close_notice")
        yield notice.ends_at + timedelta(days=1, hours=10)
        self.act(acceptance, "approve", LEADER)
        start = notice.ends_at + timedelta(days=2, hours=10)
        yield start
        return start

    @staticmethod
    def verdicts(project: projects.ProjectView, line_ids: list[int], share: str, *, fail: bool = False,
                 note: str) -> list[dict[str, Any]]:
        """One verdict per line: accepted ``share`` of the line's amount, or failed with nothing accepted."""
        amounts = {line.id: line.amount or Decimal(0) for line in project.lines}
        return [{"line_id": i, "result": "fail" if fail else "pass", "note": note,
                 "accepted_amount": Decimal(0) if fail else (amounts[i] * Decimal(share)).quantize(Decimal("0.01"))}
                for i in line_ids]

    def object_to(self, notice_id: int, content: str, contact: str) -> None:
        """A member of the public objects to a notice, without login."""
        public = Origin(request_id=None, client_addr="demo-public", lang="zh")
        acceptances.file_objection(self.db, public, notice_id, {"contact": contact, "content": content}, self.now)

    # --- payments -----------------------------------------------------------------------------

    def request(self, contract_id: int, kind: str, amount: str, as_: str, acceptance_id: int | None = None,
                papers: bool = False) -> int:
        """A payment request on the contract; its id. With ``papers`` (and a document store) the contractor
        attaches its invoice and its application first."""
        data = {"kind": kind, "amount": Decimal(amount), "acceptance_id": acceptance_id, "note": None,
                "document_ids": self.papers(contract_id, kind, amount, as_) if papers else []}
        return payments.request_payment(self.db, self.who(as_), self.origin, contract_id, data, now=self.now)[1].id

    def papers(self, contract_id: int, kind: str, amount: str, as_: str) -> list[int]:
        """The contractor's invoice and application for a payment, uploaded to the contract; their ids."""
        if self.documents is None:
            return []
        contract = contracts.get_contract(self.db, self.who(as_), contract_id)
        what = f"{contract['lot']}{PAYMENT_KINDS[kind][0]}"
        contractor = contract["contractor"]
        facts = [("标段", contract["lot"]), ("开票单位", contractor["name"]),
                 ("统一社会信用代码", contractor["credit_code"]), ("金额", amount_zh(Decimal(amount))),
                 ("日期", local_date(self.now).isoformat())]
        ids = []
        for kind_of, title in (("invoice", "增值税普通发票"), ("application", "资金拨付申请")):
            try:
                content = render_pdf("demo_paper.html", {"title": f"{title}（{what}）", "rows": facts})
            except OSError:  # WeasyPrint without Pango on this machine: the demo runs, its payments bare
                return []
            ids.append(documents.upload(self.db, self.who(as_), self.origin, root=self.documents,
                                        project_id=contract["project_id"], filename=f"{title}-{what}.pdf",
                                        content=content, kind=kind_of, max_bytes=len(content),
                                        contract_id=contract_id, now=self.now)["id"])
        return ids

    def step(self, payment_id: int, event: str, as_: str, **data: Any) -> None:
        """A payment event (``POST /payments/{id}/events``)."""
        payments.fire_event(self.db, self.who(as_), self.origin, payment_id, event,
                            {"note": None, "voucher_no": None, "disbursed_on": None, **data}, now=self.now)

    def disburse(self, payment_id: int) -> None:
        """The second finance user disburses with the next voucher number, dated today."""
        self._vouchers += 1
        self.step(payment_id, "disburse", FINANCE_2, voucher_no=f"XP{local_date(self.now):%Y}-{self._vouchers:04d}",
                  disbursed_on=local_date(self.now))

    def paid(self, contract_id: int, kind: str, amount: str, start: datetime, verifier: str = COMMERCE,
             acceptance_id: int | None = None) -> Iterator[datetime]:
        """Requested by the contractor, verified, approved and disbursed over the days from ``start``."""
        payment = self.request(contract_id, kind, amount, CONTRACTOR, acceptance_id)
        yield start + timedelta(days=1)
        self.step(payment, "verify", verifier)
        yield start + timedelta(days=3)
        self.step(payment, "approve", FINANCE)
        yield start + timedelta(days=4)
        self.disburse(payment)

    # --- the stories --------------------------------------------------------------------------

    def closed(self) -> Story:
        """霞浦县, two years ago: one contract for the whole plan, paid, finally accepted, evaluated, closed."""
        y = self.today.year - 2
        yield self.on(y, 3, 10)
        plan = county_plan(f"霞浦县{y}年电子商务进农村综合示范项目", COUNTY, y, f"霞政办〔{y}〕18号")
        project = self.create(plan)
        self.fire(project.id, "file")
        yield self.on(y, 3, 20)
        self.funds_arrived(project, f"闽财外指〔{y}〕9号")
        yield self.on(y, 4, 1)
        self.tender(project.id, f"XP-{y}-ZB-01")
        yield self.on(y, 5, 10)
        contract = self.sign(project, [1, 2, 3, 4, 5], "9600000.00", "标段一", CONTRACTOR_A,
                             {"advance": "0.30", "stages": [], "final": "0.70"})
        yield self.on(y, 5, 12)
        self.fire(project.id, "select_contractor")
        yield self.on(y, 5, 15)
        yield from self.paid(contract, "advance", "2880000.00", self.on(y, 5, 15))
        yield self.on(y, 11, 2)
        acceptance = self.apply(contract, CONTRACTOR, "final")
        yield self.on(y, 11, 5)
        self.act(acceptance, "start_review")
        yield self.on(y, 11, 12)
        self.act(acceptance, "pass", verdicts=self.verdicts(project, [line.id for line in project.lines], "0.96",
                                                            note="按实际完成量核定"))
        yield self.on(y, 11, 13)
        self.act(acceptance, "finance_recheck", FINANCE, note="经复核，评审结果属实")
        yield self.on(y, 11, 14)
        start = yield from self.publicised_and_approved(acceptance)
        yield from self.paid(contract, "final", "6720000.00", start, COMMERCE_2, acceptance)
        yield self.on(y + 1, 1, 15)
        self.fire(project.id, "request_final_audit")
        yield self.on(y + 1, 3, 20)
        targets = [{"name": t.name, "actual": str(t.target)} for t in project.targets]
        self.fire(project.id, "pass_audit", SUPERVISOR, evaluator="福建闽信项目管理咨询有限公司", targets=targets,
                  note="绩效评价合格，各项指标均已完成")

    def rectifying(self) -> Story:
        """霞浦县, last year: contractor A's first stage failed acceptance and is being rectified."""
        y = self.today.year - 1
        yield self.on(y, 3, 5)
        plan = county_plan(f"霞浦县{y}年电子商务进农村综合示范项目（续建）", COUNTY, y, f"霞政办〔{y}〕11号")
        project = self.create(plan)
        self.fire(project.id, "file")
        yield self.on(y, 3, 15)
        self.funds_arrived(project, f"闽财外指〔{y}〕6号")
        yield self.on(y, 4, 10)
        self.tender(project.id, f"XP-{y}-ZB-01")
        yield self.on(y, 5, 20)
        contract = self.sign(project, [1, 2], "6200000.00", "标段一", CONTRACTOR_A,
                             {"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}], "final": "0.30"})
        yield self.on(y, 5, 22)
        self.fire(project.id, "select_contractor")
        yield self.on(y, 6, 1)
        yield from self.paid(contract, "advance", "1860000.00", self.on(y, 6, 1))
        first_line = project.lines[0].id
        yield self.ago(20)
        acceptance = self.apply(contract, CONTRACTOR, "stage", [first_line])
        yield self.ago(18)
        self.act(acceptance, "start_review")
        yield self.ago(15)
        self.act(acceptance, "fail", verdicts=self.verdicts(project, [first_line], "0", fail=True,
                                                            note="村级服务站点建成数量未达到合同约定"),
                 note="村级服务站点建成数量未达到合同约定，限期整改")
        yield self.ago(14)
        self.act(acceptance, "rectify", deadline=self.today + timedelta(days=30),
                 note="补建未达标的村级服务站点后重新申请验收")

    def current(self) -> Story:
        """霞浦县, this year: part of an advance paid, two advances at finance, contractor A's first stage in public
        notice, objected to."""
        y = self.today.year
        yield self.ago(60)
        plan = county_plan(f"霞浦县{y}年电子商务进农村综合示范项目", COUNTY, y, f"霞政办〔{y}〕7号")
        project = self.create(plan)
        self.current_project = self.fire(project.id, "file")
        yield self.ago(55)
        self.funds_arrived(project, f"闽财外指〔{y}〕3号")
        yield self.ago(50)
        self.tender(project.id, f"XP-{y}-ZB-01")
        yield self.ago(30)
        stages = {"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}], "final": "0.30"}
        a = self.sign(project, [1, 2], "6500000.00", "标段一", CONTRACTOR_A, stages)
        b = self.sign(project, [3], "1500000.00", "标段二", CONTRACTOR_B, stages)  # (四) is called for, (五) kept
        yield self.ago(29)
        self.fire(project.id, "select_contractor")
        self.current_b = (project, b)
        yield self.ago(28)  # a first part of A's advance, paid this month or last: finance's chart has a bar
        yield from self.paid(a, "advance", "300000.00", self.ago(28))
        yield self.ago(10)
        waiting_approval = self.request(a, "advance", "1000000.00", CONTRACTOR, papers=True)
        waiting_disbursement = self.request(b, "advance", "450000.00", CONTRACTOR_2, papers=True)
        yield self.ago(9)
        self.step(waiting_approval, "verify", COMMERCE)
        self.step(waiting_disbursement, "verify", COMMERCE)
        yield self.ago(8)
        self.step(waiting_disbursement, "approve", FINANCE)
        yield self.ago(7)
        first_line = project.lines[0].id
        acceptance = self.apply(a, CONTRACTOR, "stage", [first_line])
        yield self.ago(6)
        self.act(acceptance, "start_review")
        yield self.ago(4)
        self.act(acceptance, "pass", verdicts=self.verdicts(project, [first_line], "0.90",
                                                            note="县级公共服务中心升级已完成，站点建设按实际完成量核定"))
        yield self.ago(3)
        self.act(acceptance, "finance_recheck", FINANCE_2, note="经复核，评审结果属实")
        yield self.ago(2)
        notice = self.act(acceptance, "publish").notice
        assert notice is not None
        yield self.ago(1, 15)
        self.object_to(notice.id, "公示的村级服务站中有两处尚未挂牌运营，请核实。", "13905930000")

    def awaiting_leader(self) -> Story:
        """霞浦县, this year: contractor B's first stage passed, its notice ended without objection; the
        leading group has yet to approve it."""
        yield self.ago(26)
        assert self.current_b is not None, "the current project's contracts are signed 29 days ago"
        project, b = self.current_b
        line = project.lines[2].id
        acceptance = self.apply(b, CONTRACTOR_2, "stage", [line])
        yield self.ago(25)
        self.act(acceptance, "start_review")
        yield self.ago(23)
        self.act(acceptance, "pass", verdicts=self.verdicts(project, [line], "0.90", note="培训人次按签到记录核定"))
        yield self.ago(22)
        self.act(acceptance, "finance_recheck", FINANCE, note="经复核，评审结果属实")
        yield self.ago(21)
        notice = self.act(acceptance, "publish").notice
        assert notice is not None
        yield notice.ends_at + timedelta(hours=10)
        self.act(acceptance, "close_notice")

    # --- calls for applications -----------------------------------------------------------------

    def open_call(self, project: projects.ProjectView, line: int, title: str, total: str, deadline: date,
                  materials: list[str]) -> int:
        """A call for applications on the plan's line by its 1-based position (``POST /projects/{id}/calls``)."""
        data = CallIn().load({"title": title, "line_ids": [project.lines[line - 1].id], "total": total,
                              "deadline": deadline.isoformat(), "materials": materials})
        return int(applications.open_call(self.db, self.who(COMMERCE), self.origin, project.id, data, self.now)["id"])

    def applies(self, call_id: int, who: str, amount: str, description: str) -> int:
        """Commerce enters an enterprise's application on its behalf (``POST /calls/{id}/applications``)."""
        name, code = APPLICANT_CODES[who]
        data = ApplicationIn().load({"applicant": {"name": name, "credit_code": code, "region": COUNTY,
                                                   "declarations": DECLARED},
                                     "amount_requested": amount, "description": description})
        return int(applications.submit(self.db, self.who(COMMERCE), self.origin, call_id, data, self.now)["id"])

    def decide(self, application_id: int, event: str, as_: str = COMMERCE, **data: Any) -> dict[str, Any]:
        """An application event (``POST /applications/{id}/events``)."""
        body = ApplicationEventIn().load({"event": event, **data})
        body.pop("event")
        return applications.fire_event(self.db, self.who(as_), self.origin, application_id, event, body, self.now)

    def reviewed(self, application_id: int, subsidy: str, visited: datetime, note: str) -> None:
        """The joint review with its panel of three and a site visit, passed with the proposed subsidy."""
        self.decide(application_id, "review", panel=PANEL, verdict="pass", proposed_subsidy=subsidy,
                    site_visit={"date": local_date(visited).isoformat(), "note": note})

    def applications(self) -> Story:
        """霞浦县, this year: the call on line (四) 推进农村电商助力扶贫工作 (seed 003 §3(4): 给予一定资金扶持) and an
        application awarded on it (:meth:`subsidised`, :meth:`publicised` and :meth:`arriving` bring the others)."""
        y = self.today.year
        yield self.ago(58)
        project = self.current_project
        assert project is not None, "this year's project is filed 60 days ago"
        call = self.current_call = self.open_call(project, 4, f"霞浦县{y}年电商扶贫项目申报", "1000000.00",
                                                  self.today + timedelta(days=30),
                                                  ["营业执照", "项目申报书", "带动脱贫户增收情况证明材料"])
        # Awarded after this year's contracts are signed (30 days ago), as a county would: the call is opened on
        # the line the contracts leave.
        yield self.ago(28)
        awarded = self.applies(call, "awarded", "400000.00",
                               "建设海带、紫菜产品网销仓储分拣点1处，收购脱贫户海产品，带动30户脱贫户增收")
        yield self.ago(27)
        self.decide(awarded, "start_review")
        yield self.ago(26)
        self.reviewed(awarded, "300000.00", self.ago(27, 15), "现场核实仓储分拣点已建成，收购台账与申报材料一致")
        yield self.ago(26, 15)
        self.decide(awarded, "finance_recheck", FINANCE, note="经复核，评审结果属实，拟补助资金测算无误")
        yield self.ago(25)
        notice = self.decide(awarded, "publish")["notice"]
        ends = notice["ends_at"]
        yield ends + timedelta(hours=10)
        self.decide(awarded, "close_notice")
        yield ends + timedelta(days=1, hours=10)
        self.decide(awarded, "award", LEADER)

    def publicised(self) -> Story:
        """霞浦县, this year: an application on the call reviewed, re-checked and in public notice with its proposed
        subsidy (seed 003 §5(2)3②)."""
        yield self.ago(12)
        assert self.current_call is not None, "the call opens 58 days ago"
        in_notice = self.applies(self.current_call, "in_notice", "250000.00",
                                 "合作社开设网店销售紫菜，吸收脱贫户用工12人")
        yield self.ago(9)
        self.decide(in_notice, "start_review")
        yield self.ago(6)
        self.reviewed(in_notice, "200000.00", self.ago(7), "现场查看网店运营和用工台账，情况属实")
        yield self.ago(5)
        self.decide(in_notice, "finance_recheck", FINANCE_2, note="经复核，评审结果属实")
        yield self.ago(2)
        self.decide(in_notice, "publish")

    def arriving(self) -> Story:
        """霞浦县, this year: an application under review and one just submitted on the call."""
        yield self.ago(6, 15)
        assert self.current_call is not None, "the call opens 58 days ago"
        under_review = self.applies(self.current_call, "under_review", "300000.00",
                                    "“电商+基地+农户”大黄鱼网销项目，带动20户脱贫户")
        yield self.ago(3)
        self.decide(under_review, "start_review")
        yield self.ago(1)
        self.applies(self.current_call, "submitted", "50000.00", "开设网店代销村民农特产品，申请网络资费补助")

    def subsidised(self) -> Story:
        """霞浦县, this year: an application on the call awarded, its work accepted (the subsidy agreement's final
        acceptance, with its notice) and its subsidy paid by four people (seed 003 §5(2)3③: 项目合格验收后，由县
        财政局按照程序和要求拨付资金)."""
        yield self.ago(57)
        assert self.current_call is not None and self.current_project is not None, "the call opens 58 days ago"
        line = self.current_project.lines[3].id
        paid = self.applies(self.current_call, "paid", "300000.00",
                            "建设海产品电商直播间和冷链打包点，组织脱贫户网上销售海参、大黄鱼")
        yield self.ago(56)
        self.decide(paid, "start_review")
        yield self.ago(55)
        self.reviewed(paid, "250000.00", self.ago(56, 15), "直播间和冷链打包点已建成使用，销售台账属实")
        yield self.ago(54)
        self.decide(paid, "finance_recheck", FINANCE, note="经复核，评审结果属实")
        yield self.ago(53)
        ends = self.decide(paid, "publish")["notice"]["ends_at"]
        yield ends + timedelta(hours=10)
        self.decide(paid, "close_notice")
        yield ends + timedelta(days=1, hours=10)
        self.decide(paid, "award", LEADER)
        yield ends + timedelta(days=3, hours=10)
        acceptance = applications.apply_for_acceptance(
            self.db, self.who(COMMERCE), self.origin, paid,
            ApplicationAcceptanceIn().load({"note": "直播间和冷链打包点已建成投运，申请验收"}), self.now).id
        yield ends + timedelta(days=4, hours=10)
        self.act(acceptance, "start_review")
        yield ends + timedelta(days=5, hours=10)
        self.act(acceptance, "pass", verdicts=[{"line_id": line, "result": "pass",
                                                "accepted_amount": Decimal("250000.00"),
                                                "note": "建设内容与申报一致，按补助协议全额核定"}])
        yield ends + timedelta(days=6, hours=10)
        self.act(acceptance, "finance_recheck", FINANCE, note="经复核，验收结果属实")
        yield ends + timedelta(days=7, hours=10)
        start = yield from self.publicised_and_approved(acceptance)
        agreement = applications.get_application(self.db, self.who(COMMERCE), paid, self.now)["contract_id"]
        contracts.record_payee(self.db, self.who(COMMERCE), self.origin, agreement,
                               {"payee_bank": "中国农业银行霞浦县支行", "payee_account": "6228 4801 3333 2222 118"},
                               self.now)
        payment = applications.request_subsidy(self.db, self.who(COMMERCE), self.origin, paid,
                                               SubsidyIn().load({"amount": "250000.00"}), None, self.now)[1].id
        yield start + timedelta(days=1)
        self.step(payment, "verify", COMMERCE_2)
        yield start + timedelta(days=2)
        self.step(payment, "approve", FINANCE)
        yield start + timedelta(days=3)
        self.disburse(payment)

    def tendering(self) -> Story:
        """古田县, this year: filed and out to tender."""
        y = self.today.year
        yield self.ago(45)
        plan = county_plan(f"古田县{y}年电子商务进农村综合示范项目", SECOND_COUNTY, y, f"古政办〔{y}〕21号")
        project = self.create(plan, GT_COMMERCE)
        self.fire(project.id, "file", GT_COMMERCE)
        yield self.ago(40)
        self.tender(project.id, f"GT-{y}-ZB-03", GT_COMMERCE)

    def filed(self) -> Story:
        """古田县, next year's plan: drafted, then filed with the prefecture."""
        y = self.today.year + 1
        yield self.ago(5)
        plan = county_plan(f"古田县{y}年电子商务进农村综合示范项目（续建）", SECOND_COUNTY, y, f"古政办〔{y - 1}〕35号")
        project = self.create(plan, GT_COMMERCE)
        yield self.ago(3)
        self.fire(project.id, "file", GT_COMMERCE)

    def leave_ahead(self) -> None:
        """demo-finance will be on leave next week and has handed the queue to demo-finance-2 for it (代理, issue
        21 item 2): both see it on their pages, the administrator among all; it is in force from that day."""
        delegations.give(self.db, self.who(FINANCE), self.origin,
                         {"to": FINANCE_2, "from": _at(self.today + timedelta(days=3), 0),
                          "until": _at(self.today + timedelta(days=10), 0), "note": "休年假，审批事项由同科室同事代理"},
                         self.now)

    def welcome_admin(self) -> None:
        """The admin's inbox says what the demo holds (an admin has no business work of its own)."""
        message = notifications.Message(
            kind="demo", level="reminder",
            subject_zh="演示数据已就绪：宁德市霞浦县、古田县",
            subject_en="The demo is ready: 霞浦县 and 古田县 of 宁德市",
            body_zh="霞浦县有已结项、整改中、待审批与待拨付、公示中有异议的项目，以及正在申报的电商扶贫项目申报通知；"
                    "古田县有招标中与已报备的项目。"
                    f"所有演示用户的密码为 {PASSWORD}。",
            body_en="霞浦县 has a closed project, one in rectification, payments waiting for approval and "
                    "disbursement, a notice with an objection and an open call for applications; 古田县 has a "
                    "project out to tender and a "
                    f"filed one. Every demo user's password is {PASSWORD}.")
        admin = self.who("demo-admin")
        with self.db.writing() as tx:
            user = tx.session.get(User, admin.id)
            assert user is not None
            notifications.notify(tx.session, [user], message, now=self.now)
            tx.commit()


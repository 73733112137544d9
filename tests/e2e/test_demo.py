"""``disburse demo``'s county in motion (issue 18 item 7): every demo login opens on work, and the demo users
alone carry a payment from request to disbursed through the web forms."""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from disburse.adapters.orm import Application
from disburse.domain.notice import SHANGHAI, local_date
from disburse.schemas.plan import load_plan
from disburse.services import (
    acceptances,
    applications,
    delegations,
    demo,
    disclosure,
    payments,
    projects,
    regions,
    users,
)
from disburse.services.context import SYSTEM, Origin
from tests.helpers import example

#: What shows that a home page has work on it, by demo login (each role's home, ``disburse.web.common.HOMES``):
#: an element with this attribute, its value starting with this prefix.
HOME_ITEMS = {
    "demo-commerce": ("data-project", ""),
    "demo-commerce-2": ("data-project", ""),
    "demo-gt-commerce": ("data-project", ""),
    "demo-supervisor": ("data-project", ""),
    "demo-finance": ("data-testid", "queue-item-"),
    "demo-finance-2": ("data-testid", "queue-item-"),
    "demo-leader": ("data-state", "notice_clear"),
    "demo-contractor": ("data-contract", ""),
    "demo-contractor-2": ("data-contract", ""),
    "demo-inspector": ("data-seq", ""),
    "demo-admin": ("data-user", "demo-"),  # the admin opens on its users (issue 18 item 6)
}


def local_now(day: date) -> datetime:
    """Midnight at the start of ``day`` in Asia/Shanghai."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


class Browser:
    """One demo user's logged-in session on the test client."""

    def __init__(self, app: Any, username: str) -> None:
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        resp = self.client.post("/login", data={"username": username, "password": demo.PASSWORD,
                                                "csrf_token": csrf_token(page)})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        self.home = self.client.get("/", follow_redirects=True)
        self.token = csrf_token(self.home.get_data(as_text=True))

    def post(self, path: str, **form: str) -> Any:
        resp = self.client.post(path, data={"csrf_token": self.token, **form})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
        return resp


@pytest.fixture
def demo_app(app: Any) -> Any:
    assert demo.prepare(app.extensions["disburse.db"], Origin(client_addr="test"),
                        documents=app.extensions["disburse.documents"]) is True
    return app


def test_every_demo_login_opens_on_a_home_page_with_work_on_it(demo_app: Any) -> None:
    assert set(HOME_ITEMS) == {u.username for u in demo.USERS}
    for username, (attribute, prefix) in HOME_ITEMS.items():
        home = Browser(demo_app, username).home
        assert home.status_code == 200, (username, home.status_code)
        assert f'{attribute}="{prefix}' in home.get_data(as_text=True), username


def test_the_demo_users_sit_on_real_counties_under_one_prefecture(demo_app: Any) -> None:
    db = demo_app.extensions["disburse.db"]
    printed = {row["username"]: row for row in demo.logins(db)}
    assert printed["demo-commerce"]["region_name"] == "霞浦县"
    assert printed["demo-gt-commerce"]["region_name"] == "古田县"
    assert printed["demo-supervisor"]["region_name"] == printed["demo-inspector"]["region_name"] == "宁德市"
    assert printed["demo-contractor"]["contractor"] == demo.CONTRACTOR_A
    for row in printed.values():
        actor = users.actor_by_username(db, row["username"])
        assert actor is not None and actor.role == row["role"] and actor.region_code == row["region"]
        assert f"/350000/{demo.CITY}/" in actor.region_path
    roles = [row["role"] for row in printed.values() if row["region"] == demo.COUNTY]
    assert roles.count("commerce") == 2 and roles.count("finance") == 2


def test_the_demo_holds_a_project_in_every_state_that_matters(demo_app: Any) -> None:
    db = demo_app.extensions["disburse.db"]
    supervisor = users.actor_by_username(db, "demo-supervisor")
    assert supervisor is not None
    states = {p["state"] for p in projects.list_projects(db, supervisor, per_page=50)["items"]}
    assert {"filed", "tendered", "staged_acceptance", "closed"} <= states
    finance = users.actor_by_username(db, "demo-finance")
    assert finance is not None
    queue = payments.approval_queue(db, finance)["items"]
    assert sorted(p["state"] for p in queue) == ["approved", "verified"]


def test_the_demo_finance_official_has_handed_next_weeks_queue_to_a_colleague(demo_app: Any) -> None:
    db = demo_app.extensions["disburse.db"]
    finance, deputy = (users.actor_by_username(db, name) for name in ("demo-finance", "demo-finance-2"))
    assert finance is not None and deputy is not None
    now = datetime.now(UTC)
    given = delegations.mine(db, finance, now)["given"]
    assert [(d["to"]["username"], d["status"]) for d in given] == [("demo-finance-2", "scheduled")]
    assert [d["id"] for d in delegations.mine(db, deputy, now)["received"]] == [given[0]["id"]]
    assert delegations.mine(db, deputy, given[0]["from"] + timedelta(days=1))["received"][0]["status"] == "active"


def test_running_the_demo_again_seeds_nothing_more(demo_app: Any) -> None:
    db = demo_app.extensions["disburse.db"]
    inspector = users.actor_by_username(db, "demo-inspector")
    assert inspector is not None
    before = projects.list_projects(db, inspector, per_page=1)["total"]
    assert demo.prepare(db, Origin(client_addr="test")) is False
    assert projects.list_projects(db, inspector, per_page=1)["total"] == before


def _queued(browser: Browser, state: str) -> int:
    html = browser.home.get_data(as_text=True)
    found = re.search(rf'data-testid="queue-item-(\d+)" data-state="{state}"', html)
    assert found, html[:3000]
    return int(found.group(1))


def _state(app: Any, username: str, payment_id: int) -> str:
    who = users.actor_by_username(app.extensions["disburse.db"], username)
    assert who is not None
    return payments.get_payment(app.extensions["disburse.db"], who, payment_id).state


def test_the_demo_users_carry_payments_to_disbursed_through_the_forms(demo_app: Any) -> None:
    today = local_date(demo_app.extensions["disburse.clock"].now()).isoformat()
    finance, finance_2 = Browser(demo_app, "demo-finance"), Browser(demo_app, "demo-finance-2")
    verified, approved = _queued(finance, "verified"), _queued(finance_2, "approved")
    # finance decides with the contractor's invoice and application in view, and can open them
    finance_actor = users.actor_by_username(demo_app.extensions["disburse.db"], "demo-finance")
    assert finance_actor is not None
    for payment_id in (verified, approved):
        papers = payments.evidence(demo_app.extensions["disburse.db"], finance_actor, payment_id)["documents"]
        assert sorted(d["kind"] for d in papers) == ["application", "invoice"]
        page = finance.client.get(f"/payments/{payment_id}").get_data(as_text=True)
        assert all(d["filename"] in page for d in papers)
        opened = finance.client.get(f"/api/v1/documents/{papers[0]['id']}")
        content = opened.get_data()
        opened.close()
        assert opened.status_code == 200 and content.startswith(b"%PDF")

    finance.post(f"/payments/{verified}/events", event="approve")
    for payment_id, voucher in ((approved, "XP-DEMO-0101"), (verified, "XP-DEMO-0102")):
        finance_2.post(f"/payments/{payment_id}/events", event="disburse", voucher_no=voucher, disbursed_on=today)
        page = finance_2.client.get(f"/payments/{payment_id}").get_data(as_text=True)
        assert voucher in page and _state(demo_app, "demo-finance", payment_id) == "disbursed"

    # A new advance on the same contract, from the contractor's request to the voucher, four demo users.
    contractor = Browser(demo_app, "demo-contractor")
    contract_id = payments.get_payment(demo_app.extensions["disburse.db"], finance_actor, verified).contract_id
    requested = contractor.post(f"/contracts/{contract_id}/payments", kind="advance", amount="50万")  # 万元, typed
    new = int(requested.headers["location"].rstrip("/").rsplit("/", 1)[1])
    assert payments.get_payment(demo_app.extensions["disburse.db"], finance_actor, new).amount == Decimal("500000")
    Browser(demo_app, "demo-commerce").post(f"/payments/{new}/events", event="verify")
    Browser(demo_app, "demo-finance").post(f"/payments/{new}/events", event="approve")
    finance_2.post(f"/payments/{new}/events", event="disburse", voucher_no="XP-DEMO-0103", disbursed_on=today)
    assert _state(demo_app, "demo-contractor", new) == "disbursed"


@pytest.mark.parametrize("today", ["2025-01-02", "2025-01-27", "2024-10-09"])
def test_the_stories_hold_whatever_the_day_the_demo_is_first_run(db: Any, today: str) -> None:
    """New Year, the eve of the Spring Festival, the day after the National Day week: every step passes its
    guards, the objected notice is still open on the first day and the rectification deadline is ahead."""
    day = date.fromisoformat(today)
    assert demo.prepare(db, Origin(client_addr="test"), today=day) is True
    leader = users.actor_by_username(db, "demo-leader")
    assert leader is not None
    found = {a["state"]: a for a in acceptances.list_in_jurisdiction(db, leader, per_page=50)["items"]}
    assert set(found) == {"approved", "rectifying", "objected", "notice_clear"}
    notice = acceptances.get_acceptance(db, leader, found["objected"]["id"], local_now(day)).notice
    assert notice is not None and local_date(notice.ends_at) > day
    rectifying = acceptances.get_acceptance(db, leader, found["rectifying"]["id"], local_now(day))
    assert rectifying.rectify_deadline is not None and rectifying.rectify_deadline > day
    call = demo_call(db, local_now(day))
    assert call["state"] == "open" and [n["open"] for n in call["notices"]] == [True] and len(call["awards"]) == 2
    assert len(call["payments"]) == 1


def found_id(db: Any, credit_code: str) -> int:
    """The demo application of the enterprise with this credit code."""
    with db.reading() as tx:
        found = tx.session.scalar(select(Application.id).where(Application.credit_code == credit_code))
    assert found is not None, credit_code
    return int(found)


def demo_call(db: Any, now: datetime) -> dict[str, Any]:
    """The demo county's call for applications as the public reads it (there is one)."""
    [call] = disclosure.public_calls(db, now)
    return call


def test_the_demo_county_has_a_call_with_applications_in_motion(demo_app: Any) -> None:
    """Issue 20: the application track in the seed-003 county — an open call on line (四), which seed 003 spends
    by applications, with applications submitted, under review, in notice with the proposed subsidy, awarded,
    and one whose work is accepted and its subsidy paid."""
    db = demo_app.extensions["disburse.db"]
    now = demo_app.extensions["disburse.clock"].now()
    call = demo_call(db, now)
    assert call["state"] == "open" and call["total_wan"] == "100万元"
    assert [(line["ref"], line["category"]) for line in call["lines"]] == [("（四）", "推进农村电商助力扶贫工作")]
    [notice] = call["notices"]
    assert notice["open"] is True and notice["proposed_subsidy_wan"] == "20万元"
    assert notice["applicant"] == demo.APPLICANT_CODES["in_notice"][0] and len(notice["panel"]) == 3
    assert [(a["applicant"], a["awarded_wan"]) for a in call["awards"]] == [
        (demo.APPLICANT_CODES["paid"][0], "25万元"), (demo.APPLICANT_CODES["awarded"][0], "30万元")]
    # one application's work accepted and its subsidy paid (after the fact: seed 003 §5(2)3③)
    assert [(p["applicant"], p["amount_wan"]) for p in call["payments"]] == [
        (demo.APPLICANT_CODES["paid"][0], "25万元")]
    commerce = users.actor_by_username(db, "demo-commerce")
    assert commerce is not None
    states = {}
    for key, (_name, code) in demo.APPLICANT_CODES.items():
        states[key] = applications.get_application(db, commerce, found_id(db, code), now)["state"]
    assert states == {"paid": "awarded", "awarded": "awarded", "in_notice": "in_notice",
                      "under_review": "under_review", "submitted": "submitted"}
    paid = applications.get_application(db, commerce, found_id(db, demo.APPLICANT_CODES["paid"][1]), now)
    assert [a["state"] for a in paid["acceptances"]] == ["approved"]
    assert [(p["kind"], p["state"]) for p in paid["payments"]] == [("subsidy", "disbursed")]
    page = Browser(demo_app, "demo-commerce").client.get(f"/public/calls/{call['id']}").get_data(as_text=True)
    assert demo.APPLICANT_CODES["awarded"][0] in page and "30万元" in page


def test_a_database_with_projects_of_its_own_gets_the_demo_users_and_no_demo_project(db: Any) -> None:
    origin = Origin(client_addr="test")
    regions.load_regions(db)
    plan, source = load_plan(example("000"))
    projects.create_project(db, SYSTEM, origin, plan, source)
    assert demo.prepare(db, origin) is False
    supervisor = users.actor_by_username(db, "demo-supervisor")
    assert supervisor is not None and projects.list_projects(db, supervisor, per_page=1)["total"] == 0

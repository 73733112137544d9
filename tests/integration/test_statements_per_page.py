"""Each role's page issues a fixed number of SQL statements however much data there is (issue 19 item 2).

Seed 003's county through the API (``tests.flow``): one round of data is a project contracted to A and B,
an approved, a verified and a requested advance payment and an acceptance in notice. Every role's page is
opened as the user whose desk it is and its statements counted (a ``before_cursor_execute`` listener on
the app's engine, as ``bench/metrics/pages.py`` counts them), after a first request that warms the caches;
then three more rounds are added in the same county and each page must issue exactly as many statements.
The absolute counts are pinned too, so a statement added to a page shows here. Not covered yet: the leader's
acceptances waiting for a decision (``notice_clear``), whose actions the leader desk still reads one by one.
"""

from typing import Any

from sqlalchemy import event

from disburse.services import users
from tests.e2e.test_payment_evidence import step
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, LEADER, SUPERVISOR, Flow

#: Page -> (user whose page it is, None for a visitor; path). The project page is the first round's.
PAGES: dict[str, tuple[str | None, str]] = {
    "desk_commerce": (COMMERCE, "/desk"),
    "desk_supervisor": (SUPERVISOR, "/desk"),
    "desk_finance": (FINANCE, "/desk/finance"),
    "desk_leader": (LEADER, "/desk/leader"),
    "desk_contractor": (CONTRACTOR_A, "/desk/contractor"),
    "public": (None, "/public"),
    "project": (COMMERCE, "/projects/{project}"),
}

#: What each page issues (the same at one round of data and at four). SQLite counts one ``BEGIN`` more per
#: transaction (the app's engine issues it to begin each one): the difference is the page's transactions.
#: Issue 20 added the application track: each bureau desk reads the applications waiting for it in one statement
#: (commerce, finance, leader: +1), the enterprise's desk its region's open calls and its own applications (+2),
#: the project page its calls with their application counts (+3: the project, the calls, the counts); the public
#: landing page the applications' notices running (+1). Issue 21 item 3 shows each waiting payment's days and
#: escalation level: the finance desk reads the levels of its queue page in one statement (+1, in a transaction of
#: its own), the commerce desk its verification queue (count, page, acceptances) and their levels (+4, two
#: transactions). Issue 21 item 2: a commerce, finance or leader desk offers to act for whoever delegated to its user
#: (以 … 的名义办理), read in one statement in a transaction of its own (+1).
PINNED = {
    "sqlite": {"desk_commerce": 30, "desk_supervisor": 20, "desk_finance": 34, "desk_leader": 18,
               "desk_contractor": 26, "public": 10, "project": 64},
    "postgresql": {"desk_commerce": 21, "desk_supervisor": 15, "desk_finance": 28, "desk_leader": 12,
                   "desk_contractor": 19, "public": 8, "project": 54},
}


def one_round(flow: Flow) -> int:
    """A project with contracts A and B, three advance payments in three states, an acceptance in notice."""
    project, a, b = flow.selected_project()
    approved = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1000000.00"},
                                 CONTRACTOR_A), 201)
    flow.ok(step(flow, approved, "verify", COMMERCE))
    flow.ok(step(flow, approved, "approve", FINANCE))
    verified = flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "500000.00"},
                                 CONTRACTOR_B), 201)
    flow.ok(step(flow, verified, "verify", COMMERCE))
    flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "100000.00"},
                      CONTRACTOR_A), 201)
    flow.in_notice(project, a)
    return int(project["id"])


def clients(flow: Flow) -> dict[str | None, Any]:
    """A logged-in test client per user of :data:`PAGES` (the session as a login leaves it)."""
    out: dict[str | None, Any] = {None: flow.app.test_client()}
    for who in {who for who, _ in PAGES.values() if who is not None}:
        client = flow.app.test_client()
        uid = flow.user_ids[who]
        with client.session_transaction() as session:
            session["_user_id"] = f"{uid}:{users.session_version(flow.db, uid)}"
            session["_fresh"] = True
        out[who] = client
    return out


def statements(flow: Flow, project: int) -> dict[str, int]:
    """The statements of one GET of each page, after a first GET of it (rule sets and templates cached)."""
    by: dict[str | None, Any] = clients(flow)
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    out = {}
    for name, (who, path) in PAGES.items():
        url = path.format(project=project)
        assert by[who].get(url).status_code == 200, (name, url)
        event.listen(flow.db.engine, "before_cursor_execute", count)
        try:
            counted.clear()
            resp = by[who].get(url)
        finally:
            event.remove(flow.db.engine, "before_cursor_execute", count)
        assert resp.status_code == 200, (name, url, resp.get_data(as_text=True)[:500])
        out[name] = len(counted)
    return out


def test_every_role_page_issues_the_same_statements_at_four_times_the_data(flow: Flow) -> None:
    project = one_round(flow)
    one = statements(flow, project)
    for _ in range(3):
        one_round(flow)
    four = statements(flow, project)
    assert four == one
    assert one == PINNED[flow.db.dialect]

"""A payment waiting past its SLA escalates once at each level (issue 21 item 3; docs/scheduler.md).

Seed 003's project with two contracts: contractor A's advance is verified by ``xp-commerce``, who
becomes the commerce *actor* of the project; contractor B's advance then waits for verification. The
scheduler ticks at chosen moments, repeatedly, and through a fresh ``Database`` (a restarted scheduler)
in between; each level is stored once under its unique key and reaches only its own audience.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from disburse.adapters.db import Database
from disburse.adapters.orm import Reminder
from disburse.services import scheduling, users
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, SUPERVISOR, Flow

COMMERCE_2 = "xp-commerce-2"
SLA = 5  # xx-2024: payment.approval_sla_days


def notes(flow: Flow, user: str, payment_id: int) -> list[str]:
    """The levels of the user's notifications about the payment, newest first."""
    items = flow.ok(flow.get("/me/notifications?per_page=200", user))["items"]
    return [n["level"] for n in items if n["link"] == f"/payments/{payment_id}"]


def stages(db: Database, payment_id: int) -> list[str]:
    with db.reading() as tx:
        return sorted(tx.session.scalars(select(Reminder.period).where(Reminder.target == f"payment:{payment_id}")))


def desk_page(flow: Flow, user: str, path: str) -> str:
    """The HTML of a desk as the logged-in user sees it."""
    client = flow.app.test_client()
    uid = flow.user_ids[user]
    with client.session_transaction() as session:
        session["_user_id"] = f"{uid}:{users.session_version(flow.db, uid)}"
        session["_fresh"] = True
    resp = client.get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return str(resp.get_data(as_text=True))


def advance(flow: Flow, contract: dict[str, Any], contractor: str) -> dict[str, Any]:
    amount = f"{int(float(contract['amount']) / 10)}.00"
    return flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                             contractor), 201)


def test_a_waiting_payment_reminds_the_actor_then_colleagues_then_supervisors_each_once(
        flow: Flow, database_url: str) -> None:
    flow.user(COMMERCE_2, "commerce")
    project, a, b = flow.selected_project()
    first = advance(flow, a, CONTRACTOR_A)
    flow.ok(flow.post(f"/payments/{first['id']}/events", {"event": "verify"}, COMMERCE))
    waiting = advance(flow, b, CONTRACTOR_B)
    pid = waiting["id"]
    since = flow.clock.now()
    db = flow.db

    def tick(days: int, hours: int = 1, on: Database = db) -> None:
        for _ in range(3):  # ticking again at the same moment sends nothing more
            scheduling.tick(on, since + timedelta(days=days, hours=hours))

    tick(SLA - 1)
    assert stages(db, pid) == []
    # level 1: the actor, the commerce user who verified this project's last payment
    tick(SLA)
    assert stages(db, pid) == ["requested:remind"]
    assert notes(flow, COMMERCE, pid) == ["reminder"] and notes(flow, COMMERCE_2, pid) == []
    assert notes(flow, SUPERVISOR, pid) == []

    # the scheduler restarts: a fresh database handle, as a new process would have
    fresh = Database(database_url)
    try:
        tick(SLA + 2, on=fresh)
        assert stages(db, pid) == ["requested:remind"]
        # level 2: the bureau's other commerce users, not the actor again
        tick(2 * SLA, on=fresh)
        assert stages(db, pid) == ["requested:colleagues", "requested:remind"]
        assert notes(flow, COMMERCE_2, pid) == ["overdue"] and notes(flow, COMMERCE, pid) == ["reminder"]
        assert notes(flow, SUPERVISOR, pid) == []
    finally:
        fresh.dispose()
    # level 3: the supervisors (and the role in the county and above)
    tick(3 * SLA)
    tick(5 * SLA)
    assert stages(db, pid) == ["requested:colleagues", "requested:escalate", "requested:remind"]
    assert notes(flow, SUPERVISOR, pid) == ["escalation"]
    assert notes(flow, COMMERCE, pid) == ["escalation", "reminder"]
    assert notes(flow, COMMERCE_2, pid) == ["escalation", "overdue"]
    assert notes(flow, FINANCE, pid) == []

    # the desks show how long it has waited and the level reached, in Chinese and in English
    flow.set_clock(since + timedelta(days=5 * SLA, hours=2))
    with db.reading() as tx:
        assert scheduling.payment_levels(tx.session, {pid: "requested"}) == {pid: 3}
    page = desk_page(flow, COMMERCE, "/desk")
    assert f'data-payment="{pid}"' in page and f"已等待 {5 * SLA} 天 · 已上报督导" in page
    page = desk_page(flow, COMMERCE, "/desk?lang=en")
    assert f"waiting {5 * SLA} days · escalated to the supervisors" in page
    # contractor A's advance waits for finance since it was verified: levels of its own (approval)
    page = desk_page(flow, FINANCE, "/desk/finance")
    assert f'data-testid="queue-item-{first["id"]}"' in page and 'data-level="3"' in page
    assert project["id"] == waiting["project_id"]


def test_a_scheduler_down_past_three_times_the_sla_sends_every_level_once(flow: Flow) -> None:
    _project, a, _b = flow.selected_project()
    waiting = advance(flow, a, CONTRACTOR_A)
    since = flow.clock.now()
    db = flow.db
    assert scheduling.remind_payments(db, since + timedelta(days=4 * SLA)) == 3
    assert scheduling.remind_payments(db, since + timedelta(days=4 * SLA, hours=1)) == 0
    # nobody has verified a payment of this project: every county commerce user is the actor
    assert sorted(notes(flow, COMMERCE, waiting["id"])) == ["escalation", "overdue", "reminder"]
    assert notes(flow, SUPERVISOR, waiting["id"]) == ["escalation"]


def test_a_payment_escalated_before_the_levels_is_not_escalated_again(flow: Flow) -> None:
    """A ``…:escalate`` row stored by the two-level scheduler still counts as the last level."""
    _project, a, _b = flow.selected_project()
    waiting = advance(flow, a, CONTRACTOR_A)
    since = flow.clock.now()
    db = flow.db
    with db.writing() as tx:
        tx.session.add(Reminder(key=f"payment_waiting:payment:{waiting['id']}:requested:escalate",
                                kind="payment_waiting", target=f"payment:{waiting['id']}",
                                period="requested:escalate", project_id=waiting["project_id"],
                                fired_at=since + timedelta(days=2 * SLA)))
        tx.commit()
    assert scheduling.remind_payments(db, since + timedelta(days=4 * SLA)) == 0
    assert notes(flow, SUPERVISOR, waiting["id"]) == []

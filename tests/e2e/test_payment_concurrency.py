"""Payments under concurrent clients of a real multi-process server (SPEC §5.3, §11.1, §12 reliability).

Each test seeds 003's project through the Flask test client on the test's database, then starts
``disburse serve --workers 3`` (gunicorn, several processes) on that same database and fires a burst
of requests at it from a bounded thread pool. A request that loses a race may be answered 429 (and
is retried a bounded number of times, since a 429 wrote nothing); nothing may ever answer 5xx, and
the gates must hold whatever the interleaving: at most the advance cap in flight, one disbursement
per payment, one payment per idempotency key.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, Flow
from tests.payment_invariants import assert_audit_chain_is_whole, audit_entries
from tests.server_process import (
    FINANCE_2,
    Response,
    Server,
    assert_no_server_error,
    burst,
    send,
    serving,
)

WORKERS = 3


def unmet_codes(body: Any) -> set[str]:
    return {u["code"] for u in body.get("unmet", [])} if isinstance(body, dict) else set()


@pytest.fixture
def flow(paying_flow: Flow) -> Flow:
    return paying_flow


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """``disburse serve`` with several worker processes on the test's own database."""
    with serving(database_url, tmp_path, WORKERS) as server:
        yield server


def test_fifty_concurrent_advance_requests_of_ten_percent_leave_exactly_the_thirty_percent_cap_in_flight(
        flow: Flow, server: Server) -> None:
    project, contract, _ = flow.selected_project()
    contract_amount = Decimal(contract["amount"])
    tenth = f"{contract_amount / 10:.2f}"
    url = f"{server.base}/contracts/{contract['id']}/payments"
    token = server.token(CONTRACTOR_A)

    def ask() -> Response:
        return send(url, {"kind": "advance", "amount": tenth}, token)

    outcomes = burst([ask] * 50, threads=25)

    assert_no_server_error(outcomes, server)
    every_status = Counter(s for o in outcomes for s in o.statuses)
    assert set(every_status) <= {201, 409, 429}, every_status
    created = [o.body for o in outcomes if o.status == 201]
    refused = [o.body for o in outcomes if o.status == 409]
    still_busy = [o for o in outcomes if o.status == 429]
    assert len(created) == 3, (every_status, created)
    assert len({p["id"] for p in created}) == 3
    assert {p["state"] for p in created} == {"requested"}
    assert len(refused) + len(still_busy) == 47, every_status
    assert all("advance_above_cap" in unmet_codes(body) for body in refused), refused[:3]

    listed = server.get(f"/contracts/{contract['id']}/payments", COMMERCE)
    assert listed["total"] == 3
    assert sorted(p["id"] for p in listed["items"]) == sorted(p["id"] for p in created)
    ledger = server.get(f"/contracts/{contract['id']}", COMMERCE)["ledger"]
    assert Decimal(ledger["in_flight"]) == contract_amount * Decimal("0.30")
    assert Decimal(ledger["requested"]) == contract_amount * Decimal("0.30")
    assert Decimal(ledger["disbursed"]) == 0

    assert_audit_chain_is_whole(server)
    actions = Counter(e["action"] for e in audit_entries(server, project["id"]))
    assert actions["payment.request"] == 3, actions


def test_twenty_concurrent_disbursements_of_one_approved_payment_disburse_it_exactly_once(
        flow: Flow, server: Server) -> None:
    project, contract, _ = flow.selected_project()
    amount = f"{Decimal(contract['amount']) / 10:.2f}"
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                CONTRACTOR_A), 201)
    flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "verify"}, COMMERCE))
    approved = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": "approve"}, FINANCE))
    assert approved["state"] == "approved"
    url = f"{server.base}/payments/{payment['id']}/events"
    token = server.token(FINANCE_2)

    def disburse(n: int) -> Callable[[], Response]:
        return lambda: send(url, {"event": "disburse", "voucher_no": f"2024-{n:04d}",
                                  "disbursed_on": "2024-10-08"}, token)

    outcomes = burst([disburse(n) for n in range(1, 21)], threads=20)

    assert_no_server_error(outcomes, server)
    every_status = Counter(s for o in outcomes for s in o.statuses)
    assert set(every_status) <= {200, 409, 429}, every_status
    done = [o.body for o in outcomes if o.status == 200]
    assert len(done) == 1, every_status
    refused = [o.body for o in outcomes if o.status == 409]
    assert all(unmet_codes(body) == {"wrong_state"} for body in refused), refused[:3]
    assert len(refused) + sum(o.status == 429 for o in outcomes) == 19

    now = server.get(f"/payments/{payment['id']}", FINANCE_2)
    assert now["state"] == "disbursed"
    assert now["disbursed_by"] == flow.user_ids[FINANCE_2]
    assert now["voucher_no"] == done[0]["voucher_no"]
    ledger = server.get(f"/contracts/{contract['id']}", COMMERCE)["ledger"]
    assert Decimal(ledger["disbursed"]) == Decimal(amount)
    assert Decimal(ledger["in_flight"]) == 0

    assert_audit_chain_is_whole(server)
    disbursements = [e for e in audit_entries(server, project["id"]) if e["action"] == "payment.disburse"]
    assert len(disbursements) == 1, disbursements


def test_ten_concurrent_requests_under_one_idempotency_key_create_one_payment(
        flow: Flow, server: Server) -> None:
    project, contract, _ = flow.selected_project()
    amount = f"{Decimal(contract['amount']) / 10:.2f}"
    url = f"{server.base}/contracts/{contract['id']}/payments"
    token = server.token(CONTRACTOR_A)

    def ask() -> Response:
        return send(url, {"kind": "advance", "amount": amount}, token, {"Idempotency-Key": "advance-2024-10"})

    outcomes = burst([ask] * 10, threads=10)

    assert_no_server_error(outcomes, server)
    every_status = Counter(s for o in outcomes for s in o.statuses)
    assert set(every_status) <= {201, 429}, every_status
    answered = [o.body for o in outcomes if o.status == 201]
    assert answered, every_status
    assert len({body["id"] for body in answered}) == 1, answered
    assert all(body == answered[0] for body in answered)

    listed = server.get(f"/contracts/{contract['id']}/payments", COMMERCE)
    assert [p["id"] for p in listed["items"]] == [answered[0]["id"]]
    ledger = server.get(f"/contracts/{contract['id']}", COMMERCE)["ledger"]
    assert Decimal(ledger["in_flight"]) == Decimal(amount)

    assert_audit_chain_is_whole(server)
    actions = Counter(e["action"] for e in audit_entries(server, project["id"]))
    assert actions["payment.request"] == 1, actions

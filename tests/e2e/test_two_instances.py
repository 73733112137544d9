"""Two separate ``disburse serve`` instances on one PostgreSQL database (issue 10 Deliver 6, SPEC §5.3, §12).

A province runs several instances behind a reverse proxy (docs/deployment.md); nothing in a process
may then be what keeps a gate. Here two servers, each with its own gunicorn master and workers, on
different ports, take the same county's requests at once:

- thirty advances of 2 % on contract A, half sent to each instance, against its 30 % cap (seed 003
  §5(2)3②, ``SCHEDULE`` in tests/flow.py): exactly fifteen are created;
- ten advances on contract B, each sent to both instances at once under one ``Idempotency-Key``:
  ten payments, the two answers to each key the same;
- then every payment's verify, approve and disburse, each step sent to both instances at once (two
  vouchers for each disbursement): every step is done once, the other copy refused as out of state.

After each wave: every payment's state has exactly its audit entries, ledgers are the sums of the
payment rows, a payment is disbursed at most once, and the audit chain verifies.

Behind the proxy, the client's address must be the one the proxy saw, or every per-address limit
counts the whole province as one client: ``DISBURSE_PROXY_HOPS`` is tested last.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from disburse.domain.notice import local_date
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, Flow
from tests.payment_invariants import (
    assert_advances_within,
    assert_audit_chain_is_whole,
    assert_disbursed_at_most_once,
    assert_each_state_has_exactly_its_audit_entries,
    assert_ledgers_are_the_sums_of_the_payments,
    audit_entries,
    payments_of,
)
from tests.server_process import (
    FINANCE_2,
    Outcome,
    Response,
    Server,
    assert_no_server_error,
    burst,
    send,
    serving,
)

WORKERS = 2
SHARE = Decimal("0.02")


@pytest.fixture
def backend(postgres_only: str) -> str:
    return postgres_only


@pytest.fixture
def flow(paying_flow: Flow) -> Flow:
    return paying_flow


@pytest.fixture
def instances(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two ``disburse serve`` processes on the same database, each with its own instance folder."""
    with serving(database_url, tmp_path, WORKERS, "--no-scheduler", name="one") as one, \
            serving(database_url, tmp_path, WORKERS, "--no-scheduler", name="two") as two:
        yield one, two


def unmet_codes(body: Any) -> set[str]:
    return {u["code"] for u in body.get("unmet", [])} if isinstance(body, dict) else set()


def check(servers: tuple[Server, Server], project_id: int, contracts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The invariants, read through one instance and the other alternately."""
    payments = {c["id"]: payments_of(servers[n % 2], c["id"]) for n, c in enumerate(contracts)}
    every = [p for listed in payments.values() for p in listed]
    entries = audit_entries(servers[1], project_id)
    assert_each_state_has_exactly_its_audit_entries(every, entries)
    assert_ledgers_are_the_sums_of_the_payments(servers[0], project_id, [c["id"] for c in contracts], payments)
    for contract in contracts:
        cap = (Decimal(contract["amount"]) * Decimal("0.30")).quantize(Decimal("0.01"))
        assert_advances_within(payments[contract["id"]], cap)
    assert_disbursed_at_most_once(every, entries)
    assert_audit_chain_is_whole(servers[0])
    assert_audit_chain_is_whole(servers[1])
    return every


def test_two_instances_on_one_database_keep_the_cap_the_keys_and_one_disbursement_per_payment(
        flow: Flow, instances: tuple[Server, Server]) -> None:
    project, contract_a, contract_b = flow.selected_project()
    contracts = [contract_a, contract_b]
    servers = instances
    everyone = (CONTRACTOR_A, CONTRACTOR_B, COMMERCE, FINANCE, FINANCE_2)
    for server in servers:
        for user in everyone:
            server.token(user)

    def ask(server: Server, contract: dict[str, Any], user: str, key: str | None = None) -> Callable[[], Response]:
        amount = f"{Decimal(contract['amount']) * SHARE:.2f}"
        headers = {"Idempotency-Key": key} if key else None
        return lambda: send(f"{server.base}/contracts/{contract['id']}/payments",
                            {"kind": "advance", "amount": amount}, server.token(user), headers)

    capped = [ask(servers[n % 2], contract_a, CONTRACTOR_A) for n in range(30)]
    keyed = [ask(server, contract_b, CONTRACTOR_B, f"b-advance-{n}") for n in range(10) for server in servers]
    outcomes = burst(capped + keyed, threads=24)

    assert_no_server_error(outcomes, *servers)
    on_a, on_b = outcomes[:30], outcomes[30:]
    statuses_a = Counter(o.status for o in on_a)
    assert statuses_a == {201: 15, 409: 15}, statuses_a
    assert all(unmet_codes(o.body) == {"advance_above_cap"} for o in on_a if o.status == 409)
    for n in range(10):
        first, second = on_b[2 * n: 2 * n + 2]
        assert (first.status, second.status) == (201, 201), (first.statuses, second.statuses)
        assert first.body == second.body
    every = check(servers, project["id"], contracts)
    created_a = sorted(p["id"] for p in every if p["contract_id"] == contract_a["id"])
    created_b = sorted(p["id"] for p in every if p["contract_id"] == contract_b["id"])
    assert created_a == sorted(o.body["id"] for o in on_a if o.status == 201)
    assert created_b == sorted({o.body["id"] for o in on_b})
    assert len(created_b) == 10

    for event, user in (("verify", COMMERCE), ("approve", FINANCE), ("disburse", FINANCE_2)):
        def fire(server: Server, payment: dict[str, Any], event: str = event,
                 user: str = user) -> Callable[[], Response]:
            body: dict[str, Any] = {"event": event}
            if event == "disburse":
                body.update(voucher_no=f"TWO-{payment['id']}-{servers.index(server)}",
                            disbursed_on=local_date(datetime.now(UTC)).isoformat())
            return lambda: send(f"{server.base}/payments/{payment['id']}/events", body, server.token(user))

        calls = [fire(server, p) for p in every for server in servers]
        outcomes = burst(calls, threads=24)
        assert_no_server_error(outcomes, *servers)
        for n, payment in enumerate(every):
            pair: list[Outcome] = outcomes[2 * n: 2 * n + 2]
            assert sorted(o.status for o in pair) == [200, 409], (event, payment["id"], [o.statuses for o in pair])
            refused = next(o for o in pair if o.status == 409)
            assert unmet_codes(refused.body) == {"wrong_state"}, refused.body
        every = check(servers, project["id"], contracts)

    assert {p["state"] for p in every} == {"disbursed"}
    ledger = servers[1].get(f"/projects/{project['id']}/ledger", COMMERCE)["totals"]
    assert Decimal(ledger["disbursed"]) == sum((Decimal(p["amount"]) for p in every), Decimal(0))


@pytest.mark.parametrize(("hops", "seen"), [(0, "10.0.0.2"), (1, "203.0.113.7")])
def test_the_client_address_is_the_forwarded_one_only_behind_a_trusted_proxy(
        hops: int, seen: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``DISBURSE_PROXY_HOPS`` (docs/deployment.md): with one trusted proxy, the address, scheme and host are
    the ones the proxy saw; without it, a forged ``X-Forwarded-For`` changes nothing."""
    from flask import request

    from disburse.app import create_app

    monkeypatch.setenv("DISBURSE_PROXY_HOPS", str(hops))
    app = create_app({"TESTING": True, "database_url": f"sqlite:///{tmp_path / 'unused.db'}",
                      "instance_path": tmp_path / "instance"})
    app.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme} {request.host}")
    resp = app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={
        "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "zj.example.cn"})
    expected = f"{seen} https zj.example.cn" if hops else f"{seen} http localhost"
    assert resp.get_data(as_text=True) == expected
    app.extensions["disburse.db"].dispose()

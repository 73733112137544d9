"""Payments under concurrent clients of a real multi-process server (SPEC §5.3, §11.1, §12 reliability).

Each test seeds 003's project through the Flask test client on the test's database, then starts
``disburse serve --workers 3`` (gunicorn, several processes) on that same database and fires a burst
of requests at it from a bounded thread pool. A request that loses a race may be answered 429 (and
is retried a bounded number of times, since a 429 wrote nothing); nothing may ever answer 5xx, and
the gates must hold whatever the interleaving: at most the advance cap in flight, one disbursement
per payment, one payment per idempotency key.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_server import free_port, request, start, stop
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, INSPECTOR, Flow
from tests.helpers import PASSWORD

FINANCE_2 = "xp-finance-2"
WORKERS = 3
HTTP_TIMEOUT = 20.0
#: How often a request answered 429 is sent again (a 429 wrote nothing, so resending is safe).
RETRIES = 3
#: How long a thread of the burst waits for the starting signal before giving up.
GO_TIMEOUT = 30.0

Response = tuple[int, Any]


@dataclass
class Server:
    """A running ``disburse serve`` and the bearer tokens it issued."""

    base: str
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            status, body = request(f"{self.base}/auth/tokens", {"username": username, "password": PASSWORD})
            assert status == 201, (status, body)
            self.tokens[username] = body["token"]
        return self.tokens[username]

    def get(self, path: str, as_: str) -> dict[str, Any]:
        status, body = send(f"{self.base}{path}", token=self.token(as_))
        assert status == 200, (status, body)
        assert isinstance(body, dict)
        return body

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@dataclass
class Outcome:
    """The last answer to one request of a burst, and every status it was answered on the way."""

    status: int
    body: Any
    statuses: list[int]


def send(url: str, body: Any = None, token: str | None = None, headers: dict[str, str] | None = None) -> Response:
    """One HTTP call with a timeout; the body as JSON when it is JSON, else as text (a 500 page may not be)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp:
            return resp.status, _decode(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _decode(exc.read())


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def retrying(call: Callable[[], Response]) -> Outcome:
    """Send again after a 429, at most ``RETRIES`` times."""
    statuses: list[int] = []
    for attempt in range(RETRIES + 1):
        status, body = call()
        statuses.append(status)
        if status != 429 or attempt == RETRIES:
            break
        time.sleep(0.2 * (attempt + 1))
    return Outcome(status, body, statuses)


def burst(calls: list[Callable[[], Response]], threads: int) -> list[Outcome]:
    """Run every call on a pool of ``threads``; the first wave is held back and released at once."""
    go = threading.Event()

    def run(call: Callable[[], Response]) -> Outcome:
        assert go.wait(GO_TIMEOUT), "the burst never started"
        return retrying(call)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run, call) for call in calls]
        go.set()
        return [f.result(timeout=120) for f in futures]


def unmet_codes(body: Any) -> set[str]:
    return {u["code"] for u in body.get("unmet", [])} if isinstance(body, dict) else set()


def audit_entries(server: Server, project_id: int) -> list[dict[str, Any]]:
    """Every audit entry of the project, as an inspector, through all pages."""
    entries: list[dict[str, Any]] = []
    page = 1
    while True:
        body = server.get(f"/projects/{project_id}/audit?per_page=200&page={page}", INSPECTOR)
        entries.extend(body["items"])
        if not body["items"] or len(entries) >= body["total"]:
            return entries
        page += 1


def assert_no_server_error(outcomes: list[Outcome], server: Server) -> None:
    errors = [(o.statuses, o.body) for o in outcomes if any(s >= 500 for s in o.statuses)]
    assert not errors, f"{len(errors)} request(s) answered 5xx: {errors[:3]}\n--- server log ---\n{server.log_tail()}"


def assert_audit_chain_is_whole(server: Server) -> None:
    report = server.get("/audit/verify", INSPECTOR)
    assert report["ok"] is True, report


@pytest.fixture
def flow(app: Any, client: Any) -> Flow:
    """Seed 003's county users plus a second finance user (no one may do two steps of one payment)."""
    f = Flow(app, client)
    f.county_users()
    f.user(FINANCE_2, "finance")
    return f


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """``disburse serve`` with several worker processes on the test's own database."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {"DISBURSE_DATABASE_URL": database_url, "DISBURSE_SECRET_KEY": "test-secret",
           "DISBURSE_INSTANCE_PATH": str(tmp_path / "instance")}
    proc = start(["serve", "--workers", str(WORKERS)], env, port, log)
    try:
        yield Server(f"http://127.0.0.1:{port}/api/v1", log)
    finally:
        stop(proc)


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

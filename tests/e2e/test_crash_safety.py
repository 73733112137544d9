"""SIGKILL of ``disburse serve`` in the middle of a burst of payments (SPEC §12 reliability, §5.3, §8, §11.1).

Seed 003's project is contracted to A (650万) and B (350万) through the Flask test client; then
``disburse serve --workers 3 --no-scheduler`` runs on the same PostgreSQL database and forty clients
at once each walk one advance of 2 % of their contract through request → verify → approve →
disburse, every step under its own ``Idempotency-Key``. The advance cap of the contracts' schedule
(30 %, seed 003 §5(2)3②, ``SCHEDULE`` in tests/flow.py) holds fifteen such advances per contract,
so five clients per contract are refused.

When some of the answers are in (a number drawn each run), the whole server process group is killed with SIGKILL
— master and workers, whatever they were doing — and started again. Then, before any client comes
back, every payment's state has exactly its audit entries, the ledgers are the sums of the payment
rows and the audit chain verifies; and after every client replays its whole script with the same
keys, the burst is complete: fifteen advances per contract, each disbursed exactly once, each
request key bound to one payment, every replayed step answered with the first answer if it had one.
"""

import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
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
    NO_ANSWER,
    Outcome,
    Server,
    assert_no_server_error,
    free_port,
    kill,
    retrying,
    send_or_lose,
    serve_env,
    start,
    stop,
)

WORKERS = 3
#: Each client asks this share of its contract as an advance; the 30 % advance cap holds fifteen.
SHARE = Decimal("0.02")
ADVANCES_PER_CONTRACT = 15
CLIENTS_PER_CONTRACT = 20
#: The server is killed once this many answers came back, a number drawn anew each run from this range (a
#: whole burst gives 130: forty requests, then ninety steps), so that runs crash at different moments.
KILL_AFTER = (20, 100)
#: The later steps of each client's script: (event, who fires it). Nobody does two steps of one payment.
STEPS = (("verify", COMMERCE), ("approve", FINANCE), ("disburse", FINANCE_2))


@pytest.fixture
def backend(postgres_only: str) -> str:
    return postgres_only


@pytest.fixture
def flow(paying_flow: Flow) -> Flow:
    return paying_flow


class Answers:
    """Counts the answers the server gave during the first round, so the test knows when to kill it."""

    def __init__(self, kill_after: int) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self.enough = threading.Event()
        self.kill_after = kill_after

    def count(self, outcome: Outcome) -> None:
        if outcome.status != NO_ANSWER:
            with self._lock:
                self._count += 1
                if self._count >= self.kill_after:
                    self.enough.set()


@dataclass
class Client:
    """One client's script: request an advance, then verify, approve and disburse it, each under its own key."""

    name: str
    contract_id: int
    requester: str
    amount: str
    answers: list[dict[str, Outcome]] = field(default_factory=list)

    def key(self, step: str) -> str:
        return f"{self.name}-{step}"

    def run(self, server: Server, answers: Answers | None = None) -> dict[str, Outcome]:
        """Play the script once against ``server``; stop at the first step not answered with success."""
        got: dict[str, Outcome] = {}
        self.answers.append(got)

        def call(step: str, path: str, body: dict[str, Any], user: str) -> Outcome:
            token = server.token(user)
            outcome = retrying(lambda: send_or_lose(f"{server.base}{path}", body, token,
                                                    {"Idempotency-Key": self.key(step)}))
            got[step] = outcome
            if answers is not None:
                answers.count(outcome)
            return outcome

        asked = call("request", f"/contracts/{self.contract_id}/payments",
                     {"kind": "advance", "amount": self.amount}, self.requester)
        if asked.status != 201:
            return got
        payment_id = asked.body["id"]
        for event, user in STEPS:
            body: dict[str, Any] = {"event": event}
            if event == "disburse":
                body.update(voucher_no=f"CRASH-{self.name}", disbursed_on=local_date(datetime.now(UTC)).isoformat())
            if call(event, f"/payments/{payment_id}/events", body, user).status != 200:
                break
        return got


def play(clients: list[Client], server: Server, answers: Answers | None = None) -> list[threading.Thread]:
    threads = [threading.Thread(target=c.run, args=(server, answers), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    return threads


def check_invariants(server: Server, project_id: int, contracts: list[dict[str, Any]]) -> dict[int, list[Any]]:
    """What must hold at any moment: after the crash, before anyone comes back, and after the replay."""
    payments = {c["id"]: payments_of(server, c["id"]) for c in contracts}
    every = [p for listed in payments.values() for p in listed]
    entries = audit_entries(server, project_id)
    assert_each_state_has_exactly_its_audit_entries(every, entries)
    assert_ledgers_are_the_sums_of_the_payments(server, project_id, [c["id"] for c in contracts], payments)
    for contract in contracts:
        cap = (Decimal(contract["amount"]) * Decimal("0.30")).quantize(Decimal("0.01"))
        assert_advances_within(payments[contract["id"]], cap)
    assert_disbursed_at_most_once(every, entries)
    assert_audit_chain_is_whole(server)
    return payments


def stored_request_keys(database_url: str) -> dict[str, int]:
    """Each stored payment-request key with the id of the payment its stored response names."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT key, status, response::json ->> 'id' FROM idempotency_keys "
                            "WHERE key LIKE %s", ("%-request",)).fetchall()
    assert all(status == 201 for _, status, _ in rows), rows
    return {key: int(payment_id) for key, _, payment_id in rows}


@pytest.fixture
def serving() -> Iterator[list[Any]]:
    """The running server processes of the test, stopped at the end whatever happened."""
    procs: list[Any] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            stop(proc)


def test_a_server_killed_mid_burst_loses_no_audit_entry_and_replayed_keys_complete_the_burst_once(
        flow: Flow, database_url: str, tmp_path: Path, serving: list[Any]) -> None:
    project, contract_a, contract_b = flow.selected_project()
    contracts = [contract_a, contract_b]
    clients = [Client(f"{lot}{n:02d}", c["id"], requester, f"{Decimal(c['amount']) * SHARE:.2f}")
               for lot, c, requester in (("a", contract_a, CONTRACTOR_A), ("b", contract_b, CONTRACTOR_B))
               for n in range(CLIENTS_PER_CONTRACT)]
    env = serve_env(database_url, tmp_path / "instance")
    log = tmp_path / "serve.log"

    port = free_port()
    serving.append(start(["serve", "--workers", str(WORKERS), "--no-scheduler"], env, port, log))
    first = Server(f"http://127.0.0.1:{port}/api/v1", log)
    for user in (CONTRACTOR_A, CONTRACTOR_B, *(user for _, user in STEPS)):
        first.token(user)  # log in before the burst: the burst is payments only
    kill_after = random.randint(*KILL_AFTER)
    answers = Answers(kill_after)
    print(f"the server is killed after {kill_after} answers")  # shown with a failure's captured output
    threads = play(clients, first, answers)
    assert answers.enough.wait(60), "the burst never got going"
    kill(serving[0])
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a client hung on a dead server"

    first_round = [c.answers[0] for c in clients]
    lost = [c.name for c, got in zip(clients, first_round, strict=True)
            if any(o.status == NO_ANSWER for o in got.values())]
    assert lost, f"the kill after {kill_after} answers landed after the burst: nothing was interrupted"
    assert_no_server_error([o for got in first_round for o in got.values()], first)

    port = free_port()
    serving.append(start(["serve", "--workers", str(WORKERS), "--no-scheduler"], env, port, log))
    second = Server(f"http://127.0.0.1:{port}/api/v1", log, dict(first.tokens))

    check_invariants(second, project["id"], contracts)

    for thread in play(clients, second):
        thread.join(timeout=120)
        assert not thread.is_alive(), "a replaying client hung"
    replayed = [c.answers[1] for c in clients]
    assert_no_server_error([o for got in replayed for o in got.values()], second)

    for client, before, after in zip(clients, first_round, replayed, strict=True):
        for step, outcome in before.items():
            if outcome.status in (200, 201):
                assert (after[step].status, after[step].body) == (outcome.status, outcome.body), (client.name, step)
        if after["request"].status == 201:
            assert [after[s].status for s, _ in STEPS] == [200, 200, 200], (client.name, after)
            assert after["disburse"].body["state"] == "disbursed"
        else:
            assert after["request"].status == 409, (client.name, after["request"])
            codes = {u["code"] for u in after["request"].body["unmet"]}
            assert codes == {"advance_above_cap"}, (client.name, codes)
            assert before["request"].status in (409, NO_ANSWER), (client.name, before["request"])

    payments = check_invariants(second, project["id"], contracts)
    for contract in contracts:
        listed = payments[contract["id"]]
        assert len(listed) == ADVANCES_PER_CONTRACT, [p["id"] for p in listed]
        assert {p["state"] for p in listed} == {"disbursed"}
    keys = stored_request_keys(database_url)
    every_id = sorted(p["id"] for listed in payments.values() for p in listed)
    assert sorted(keys.values()) == every_id, "a payment without its key, or a key bound to two payments"
    assert keys == {c.key("request"): c.answers[1]["request"].body["id"]
                    for c in clients if c.answers[1]["request"].status == 201}

"""The invariants of SPEC §5.3 and §8, checked from outside a running server after a burst.

Whatever the interleaving, crash or second instance: every payment's state is the end of the path
its ``payment.*`` audit entries walk (no state without its entry, no entry without its state); the
ledgers are the sums of the payment rows; advances stay within their cap; a payment is disbursed
at most once; and the audit chain verifies.
"""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from disburse.domain.ledger import IN_FLIGHT
from tests.flow import COMMERCE, INSPECTOR
from tests.server_process import Server

#: Which payment column records which step (disburse/services/payments.py ``STEP_OF``).
STEP_COLUMN = {"verify": "verified_by", "approve": "approved_by", "disburse": "disbursed_by"}


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


def assert_audit_chain_is_whole(server: Server) -> None:
    report = server.get("/audit/verify", INSPECTOR)
    assert report["ok"] is True, report


def payments_of(server: Server, contract_id: int) -> list[dict[str, Any]]:
    listed = server.get(f"/contracts/{contract_id}/payments", COMMERCE)
    assert listed["total"] == len(listed["items"])
    return list(listed["items"])


def assert_each_state_has_exactly_its_audit_entries(payments: list[dict[str, Any]],
                                                    entries: list[dict[str, Any]]) -> None:
    """The ``payment.*`` entries of each payment, in log order, walk from nothing through ``requested``
    to the payment's state, one entry per step; the step columns are set exactly for the steps taken;
    and no entry names a payment that does not exist."""
    by_payment: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in sorted(entries, key=lambda e: e["seq"]):
        if entry["entity_type"] == "payment" and entry["action"].startswith("payment."):
            by_payment[entry["entity_id"]].append(entry)
    ids = {str(p["id"]) for p in payments}
    assert set(by_payment) == ids, f"entries without a payment: {set(by_payment) - ids}; " \
                                   f"payments without an entry: {ids - set(by_payment)}"
    for payment in payments:
        path = by_payment[str(payment["id"])]
        first, steps = path[0], path[1:]
        assert (first["action"], first["from_state"], first["to_state"]) == ("payment.request", None, "requested"), \
            (payment["id"], first)
        state = first["to_state"]
        for entry in steps:
            assert entry["from_state"] == state, (payment["id"], [e["action"] for e in path])
            state = entry["to_state"]
        assert state == payment["state"], (payment["id"], payment["state"], [e["action"] for e in path])
        taken = {e["action"].removeprefix("payment.") for e in steps}
        assert len(taken) == len(steps), (payment["id"], [e["action"] for e in path])
        for step, column in STEP_COLUMN.items():
            assert (payment[column] is not None) == (step in taken), (payment["id"], column, taken)


def assert_ledgers_are_the_sums_of_the_payments(server: Server, project_id: int, contract_ids: list[int],
                                                payments: dict[int, list[dict[str, Any]]]) -> None:
    """Each contract's ledger, and the project's, equal the amounts of its payment rows per state."""
    disbursed_total = Decimal(0)
    for contract_id in contract_ids:
        ledger = server.get(f"/contracts/{contract_id}", COMMERCE)["ledger"]

        def total(states: tuple[str, ...], cid: int = contract_id) -> Decimal:
            return sum((Decimal(p["amount"]) for p in payments[cid] if p["state"] in states), Decimal(0))

        expected = {"requested": total(("requested",)), "in_flight": total(IN_FLIGHT),
                    "approved": total(("approved",)), "disbursed": total(("disbursed",))}
        assert {k: Decimal(ledger[k]) for k in expected} == expected, (contract_id, ledger)
        assert Decimal(ledger["remaining"]) == Decimal(ledger["contracted"]) - expected["disbursed"] \
            - expected["in_flight"], ledger
        disbursed_total += expected["disbursed"]
    project = server.get(f"/projects/{project_id}/ledger", COMMERCE)
    assert Decimal(project["totals"]["disbursed"]) == disbursed_total, project
    assert Decimal(server.get(f"/projects/{project_id}", COMMERCE)["disbursed"]) == disbursed_total


def assert_advances_within(payments: list[dict[str, Any]], cap: Decimal) -> Decimal:
    """Advances not rejected or cancelled stay within the cap; returns their total."""
    committed = sum((Decimal(p["amount"]) for p in payments
                     if p["kind"] == "advance" and p["state"] not in ("rejected", "cancelled")), Decimal(0))
    assert committed <= cap, (committed, cap)
    return committed


def assert_disbursed_at_most_once(payments: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
    """One ``payment.disburse`` entry per disbursed payment, none for any other, every voucher distinct."""
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry["action"] == "payment.disburse":
            counts[entry["entity_id"]] += 1
    for payment in payments:
        assert counts.get(str(payment["id"]), 0) == (1 if payment["state"] == "disbursed" else 0), payment
    vouchers = [p["voucher_no"] for p in payments if p["state"] == "disbursed"]
    assert len(vouchers) == len(set(vouchers)), vouchers

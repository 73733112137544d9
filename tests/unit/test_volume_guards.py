"""Every guard and check of the volume report workflow and every gate of a per-unit subsidy's payment, case by
case, on plain facts (issue 20 item 4; seed 001 §5(4)3), and what a verified month may be paid. Each registered
function has a case that holds and one that fails; boundaries sit at the edge (the last day of a month, exactly
the volume reported, exactly what the award has left)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from disburse.domain.citations import DEVELOPER_FORM
from disburse.domain.payment_gates import OtherPayment, PaymentFacts
from disburse.domain.unit_payment_gates import UNIT_PAYMENT_GATES, due
from disburse.domain.volume_guards import VOLUME_GUARDS, VolumeFacts, VolumeRef, payable


def report(**changes: Any) -> VolumeFacts:
    """120000 orders in 2024-09 on an awarded call of 3.00 yuan an order (at most 40万 a month), reported by user
    3, on 2024-10-08, in a project running 2022-10-01 to 2024-10-31; verified by user 9."""
    return replace(VolumeFacts(
        state="reported", actor_role="commerce", actor_id=9, application_state="awarded", unit_name="单",
        unit_rate=Decimal("3.00"), unit_cap=Decimal("400000.00"), month="2024-09", volume=120000,
        today=date(2024, 10, 8), period_start=date(2022, 10, 1), period_end=date(2024, 10, 31),
        data={"document_ids": [4]}, reported_by=3), **changes)


def case(guard: str, why: str, facts: VolumeFacts, *expected: tuple[str, str | None]) -> Any:
    return pytest.param(guard, facts, expected, id=f"{guard}: {why}")


CASES = [
    case("application_awarded", "an awarded application passes", report()),
    case("application_awarded", "one still in notice fails", report(application_state="in_notice"),
         ("application_not_awarded", None)),
    case("per_unit_call", "a call with a rate passes", report()),
    case("per_unit_call", "a lump-sum call fails", report(unit_rate=None, unit_cap=None), ("not_per_unit", None)),
    case("award_not_used_up", "one fen left passes", report(award_left=Decimal("0.01"))),
    case("award_not_used_up", "before the award passes (application_awarded says it)", report(award_left=None)),
    case("award_not_used_up", "nothing left fails", report(award_left=Decimal(0)), ("award_used_up", None)),
    case("month_ended", "last month passes on the first day of this one", report(month="2024-09",
                                                                                  today=date(2024, 10, 1))),
    case("month_ended", "this month fails on its last day", report(month="2024-10", today=date(2024, 10, 31)),
         ("month_not_ended", "month")),
    case("month_ended", "a month to come fails", report(month="2025-01"), ("month_not_ended", "month")),
    case("month_in_period", "the month the period starts in passes (the period starts mid-month)",
         report(month="2022-10", period_start=date(2022, 10, 15))),
    case("month_in_period", "the period's last month passes", report(month="2024-10")),
    case("month_in_period", "the month before the period fails", report(month="2022-09"),
         ("month_outside_period", "month")),
    case("month_in_period", "the month after the period fails", report(month="2024-11"),
         ("month_outside_period", "month")),
    case("month_in_period", "a project without a period takes any month",
         report(month="2019-01", period_start=None, period_end=None)),
    case("month_not_reported", "a month not reported yet passes", report(months_reported=("2024-08",))),
    case("month_not_reported", "a month reported (and not rejected) fails", report(months_reported=("2024-09",)),
         ("month_already_reported", None)),
    case("evidence_given", "one document passes", report()),
    case("evidence_given", "no document fails on its field", report(data={"document_ids": []}),
         ("evidence_missing", "document_ids")),
    case("documents_of_project", "the project's documents pass", report()),
    case("documents_of_project", "another project's document fails on its field", report(foreign_documents=(8,)),
         ("document_not_of_project", "document_ids")),
    case("another_verifies", "someone other than the reporter passes", report()),
    case("another_verifies", "the reporter fails", report(actor_id=3), ("same_user_as_reporter", None)),
    case("verified_within_reported", "exactly the volume reported passes", report(data={"verified_volume": 120000})),
    case("verified_within_reported", "nothing verified passes", report(data={"verified_volume": 0})),
    case("verified_within_reported", "one order more than reported fails on its field",
         report(data={"verified_volume": 120001}), ("verified_above_reported", "verified_volume")),
]


@pytest.mark.parametrize(("guard", "facts", "expected"), CASES)
def test_guard_answers_what_is_unmet(guard: str, facts: VolumeFacts, expected: tuple[Any, ...]) -> None:
    found = VOLUME_GUARDS[guard](facts)
    assert [(u.code, u.field) for u in found] == list(expected)
    for item in found:
        assert item.clause.startswith("《布尔津县") and item.zh and item.en
        assert not DEVELOPER_FORM.search(item.clause)


def test_every_guard_has_a_case_that_holds_and_one_that_fails() -> None:
    holding = {c.values[0] for c in CASES if not c.values[2]}
    failing = {c.values[0] for c in CASES if c.values[2]}
    assert holding == failing == set(VOLUME_GUARDS)


@pytest.mark.parametrize(("verified", "cap", "paid"), [
    (120000, None, "360000.00"),          # volume × rate, no cap
    (133333, Decimal("400000.00"), "399999.00"),  # below the cap
    (133334, Decimal("400000.00"), "400000.00"),  # 400002.00 is capped
    (0, Decimal("400000.00"), "0.00"),
])
def test_a_verified_month_pays_volume_times_rate_at_most_the_cap(verified: int, cap: Decimal | None,
                                                                  paid: str) -> None:
    assert payable(verified, Decimal("3.00"), cap) == Decimal(paid)


# --- a per-unit subsidy's payment ------------------------------------------------------------------------

#: 2024-12: 100000 orders verified by user 5 at 3.00 yuan, at most 400000.00 a month.
DECEMBER = VolumeRef(id=81, of_agreement=True, month="2024-12", state="verified", unit_name="单", rate=Decimal("3.00"),
                     cap=Decimal("400000.00"), verified_volume=100000, verified_by=5)


def subsidy(amount: str = "210000.00", volume: VolumeRef | None = DECEMBER, **changes: Any) -> PaymentFacts:
    """A subsidy of ``amount`` on a per-unit agreement of 900000.00 of which 690000.00 is disbursed, requested by
    user 9 on the report ``volume``."""
    return replace(PaymentFacts(
        kind="subsidy", amount=Decimal(amount), contract_id=3, contract_amount=Decimal("900000.00"),
        advance_share=Decimal(0), stage_shares=(), advance_cap=Decimal(0), advance_clause="",
        project_state="filed", project_total=Decimal("5000000.00"), contracts_total=Decimal("900000.00"),
        others=(OtherPayment(40, "subsidy", Decimal("690000.00"), "disbursed", None),), actor_id=9, agreement=True,
        per_unit=True, volume=volume), **changes)


def gate(name: str, why: str, facts: PaymentFacts, *expected: tuple[str, str | None]) -> Any:
    return pytest.param(name, facts, expected, id=f"{name}: {why}")


GATE_CASES = [
    gate("volume_report_verified", "a verified report of the agreement's application passes", subsidy()),
    gate("volume_report_verified", "a lump-sum agreement needs none", subsidy(volume=None, per_unit=False)),
    gate("volume_report_verified", "a lump-sum agreement's request naming a report fails on its field",
         subsidy(volume=None, per_unit=False, data={"volume_report_id": 81}), ("not_per_unit", "volume_report_id")),
    gate("volume_report_verified", "no report fails on its field", subsidy(volume=None),
         ("volume_report_required", "volume_report_id")),
    gate("volume_report_verified", "another application's report fails on its field",
         subsidy(volume=replace(DECEMBER, of_agreement=False)), ("volume_report_required", "volume_report_id")),
    gate("volume_report_verified", "a report not verified yet fails",
         subsidy(volume=replace(DECEMBER, state="reported", verified_volume=None)),
         ("volume_report_not_verified", None)),
    gate("one_payment_per_report", "a report without a payment passes", subsidy()),
    gate("one_payment_per_report", "a report already paid fails", subsidy(volume=replace(DECEMBER, paid_by=(41,))),
         ("volume_report_paid", None)),
    gate("unit_subsidy_within_due", "exactly what the award has left passes", subsidy("210000.00")),
    gate("unit_subsidy_within_due", "one fen above what the award has left fails", subsidy("210000.01"),
         ("above_unit_subsidy_due", None)),
    gate("unit_subsidy_within_due", "exactly the verified volume × rate passes with room in the award",
         subsidy("300000.00", others=())),
    gate("unit_subsidy_within_due", "one fen above the verified volume × rate fails", subsidy("300000.01", others=()),
         ("above_unit_subsidy_due", None)),
    gate("unit_subsidy_within_due", "above the monthly cap fails",
         subsidy("400000.01", others=(), volume=replace(DECEMBER, verified_volume=200000)),
         ("above_unit_subsidy_due", None)),
    gate("not_the_volume_verifier", "someone other than the volume's verifier passes", subsidy()),
    gate("not_the_volume_verifier", "the volume's verifier fails", subsidy(actor_id=5), ("volume_verifier", None)),
]


@pytest.mark.parametrize(("name", "facts", "expected"), GATE_CASES)
def test_payment_gate_answers_what_is_unmet(name: str, facts: PaymentFacts, expected: tuple[Any, ...]) -> None:
    found = UNIT_PAYMENT_GATES[name](facts)
    assert [(u.code, u.field) for u in found] == list(expected)
    for item in found:
        assert item.clause and item.zh and item.en and not DEVELOPER_FORM.search(item.clause)


def test_every_payment_gate_has_a_case_that_holds_and_one_that_fails() -> None:
    holding = {c.values[0] for c in GATE_CASES if not c.values[2]}
    failing = {c.values[0] for c in GATE_CASES if c.values[2]}
    assert holding == failing == set(UNIT_PAYMENT_GATES)


def test_the_refusal_states_the_months_maximum_and_its_terms() -> None:
    [refusal] = UNIT_PAYMENT_GATES["unit_subsidy_within_due"](subsidy("300000.00"))
    assert "至多可拨付 210,000.00 元（21万元）" in refusal.zh and "核实 100000 单 × 每单 3.00 元" in refusal.zh
    assert "月度上限 400,000.00 元（40万元）" in refusal.zh and "已拨付及在途 690,000.00 元（69万元）" in refusal.zh
    assert refusal.en.startswith("At most 210,000.00 yuan can be paid for 2024-12, not 300,000.00 yuan")
    assert due(subsidy()) == Decimal("210000.00")
    assert due(subsidy(others=())) == Decimal("300000.00")
    assert due(subsidy(volume=replace(DECEMBER, state="reported", verified_volume=None))) is None

"""The proposed payment (拟补助资金) a public notice shows (issue 18; 曲政办发〔2018〕205号 五(五)2)."""

from decimal import Decimal

from disburse.domain.proposed_payment import proposed_payment

CONTRACT = Decimal("6500000.00")
SHARES = [Decimal("0.40")]


def stage(accepted: str, paid_before: str = "0", stage_no: int | None = 1) -> Decimal:
    return proposed_payment(kind="stage", stage=stage_no, accepted=Decimal(accepted), contract_amount=CONTRACT,
                            stage_shares=SHARES, accepted_before=Decimal(0), paid_before=Decimal(paid_before))


def final(accepted: str, accepted_before: str, paid_before: str) -> Decimal:
    return proposed_payment(kind="final", stage=None, accepted=Decimal(accepted), contract_amount=CONTRACT,
                            stage_shares=SHARES, accepted_before=Decimal(accepted_before),
                            paid_before=Decimal(paid_before))


def test_a_stage_proposes_what_it_accepted_within_the_stage_share() -> None:
    assert stage("600000.00") == Decimal("600000.00")
    assert stage("3000000.00") == Decimal("2600000.00")  # 40 % of 650万


def test_a_stage_proposes_no_more_than_remains_of_the_contract() -> None:
    assert stage("2600000.00", paid_before="5000000.00") == Decimal("1500000.00")
    assert stage("2600000.00", paid_before="6500000.00") == Decimal(0)


def test_a_stage_beyond_the_schedule_is_held_to_what_it_accepted() -> None:
    assert stage("3000000.00", stage_no=2) == Decimal("3000000.00")


def test_a_stage_share_is_rounded_down_to_the_fen() -> None:
    odd = proposed_payment(kind="stage", stage=1, accepted=Decimal("9999999"), contract_amount=Decimal("100.05"),
                           stage_shares=[Decimal("0.5")], accepted_before=Decimal(0), paid_before=Decimal(0))
    assert odd == Decimal("50.02")


def test_the_final_acceptance_proposes_what_was_accepted_in_all_less_what_was_paid() -> None:
    # advance 90万 and stage 260万 paid; the stage accepted 260万 and the final accepts 380万 of the rest
    assert final("3800000.00", "2600000.00", "3500000.00") == Decimal("2900000.00")


def test_a_reduction_at_the_final_acceptance_lowers_the_proposed_payment_never_below_zero() -> None:
    assert final("300000.00", "2600000.00", "3500000.00") == Decimal(0)
    assert final("9000000.00", "0", "1950000.00") == Decimal("4550000.00")  # never more than the contract

"""The payee's account and the payment due clock as plain rules (issue 17; 保障中小企业款项支付条例 第八条、第九条)."""

from datetime import date

import pytest

from disburse.adapters import rulesets
from disburse.domain.payee import DueClock, PayeeError, due_clock, due_days_unmet, read_account, read_bank


@pytest.mark.parametrize(("typed", "recorded"), [
    ("6228480123456789012", "6228480123456789012"),
    (" 6228 4801 2345 6789 012 ", "6228 4801 2345 6789 012"),
    ("12345678", "12345678"),
    ("1" * 32, "1" * 32),
])
def test_an_account_is_digits_in_groups_and_is_trimmed(typed: str, recorded: str) -> None:
    assert read_account(typed) == recorded


@pytest.mark.parametrize("typed", ["1234567", "1" * 33, "6228-4801-2345", "6228  4801 2345", "６２２８４８０１２３",
                                   "6228\t48012345", "62284801\x002345", "", "   ", "6228 4801 2345 6789 012 abc"])
def test_what_is_not_an_account_is_refused(typed: str) -> None:
    with pytest.raises(PayeeError):
        read_account(typed)


def test_a_bank_is_named_without_control_characters() -> None:
    assert read_bank(" 中国农业银行霞浦县支行 ") == "中国农业银行霞浦县支行"
    for bad in ("", "  ", "中国农业银行\n霞浦县支行", "银" * 129):
        with pytest.raises(PayeeError):
            read_bank(bad)


def test_a_contract_may_agree_at_most_60_days() -> None:
    assert due_days_unmet(None) == [] and due_days_unmet(30) == [] and due_days_unmet(60) == []
    [over] = due_days_unmet(61)
    assert over.code == "payment_due_days_above_limit" and "第九条" in over.clause


def test_the_due_day_counts_from_the_approval_and_late_days_to_the_payment_or_today() -> None:
    approved = date(2024, 10, 11)
    assert due_clock(approved, 30, today=date(2024, 11, 10)) == DueClock(30, date(2024, 11, 10), 0)
    assert due_clock(approved, 30, today=date(2024, 11, 13)).overdue_days == 3
    assert due_clock(approved, 30, today=date(2024, 12, 31), paid_on=date(2024, 11, 12)).overdue_days == 2
    assert due_clock(approved, 30, today=date(2024, 12, 31), paid_on=date(2024, 11, 1)).overdue_days == 0
    assert due_clock(approved, 60, today=approved).due_on == date(2024, 12, 10)


def test_every_shipped_rule_set_gives_the_law_s_30_days_and_so_does_content_pinned_before_the_key() -> None:
    assert {name: rulesets.load(name).payment_due_days for name in rulesets.available()} == {
        name: 30 for name in rulesets.available()}
    assert rulesets.parse({"id": "xx-2024", "version": 1, "payment": {"idle_days": 90}}).payment_due_days == 30

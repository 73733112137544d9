"""Money is exact: strings in, Decimal yuan inside, fen in the database (SPEC §4)."""

from decimal import Decimal

import pytest

from disburse.domain.money import (
    MoneyError,
    amount_en,
    amount_zh,
    format_wan,
    format_yuan,
    from_fen,
    parse_money,
    to_fen,
)


def test_wan_yuan_become_yuan_exactly() -> None:
    assert parse_money("22.5", "万元") == Decimal("225000.00")


@pytest.mark.parametrize("bad", [1.5, "abc", "NaN", "0.001", True])
def test_inexact_or_non_money_values_are_refused(bad: object) -> None:
    with pytest.raises(MoneyError):
        parse_money(bad)


def test_fen_round_trip() -> None:
    assert from_fen(to_fen(Decimal("6500000.01"))) == Decimal("6500000.01")


def test_amounts_are_shown_as_officials_write_them() -> None:
    assert format_yuan(Decimal("6500000")) == "6500000.00"
    assert format_wan(Decimal("6500000.00")) == "650万元"
    assert format_wan(Decimal("225000.00")) == "22.5万元"


def test_an_amount_in_a_refusal_reads_as_officials_write_it() -> None:
    assert amount_zh(Decimal("1950000")) == "1,950,000.00 元（195万元）"
    assert amount_zh(Decimal("225000.5")) == "225,000.50 元（22.50005万元）"
    assert amount_en(Decimal("4900001")) == "4,900,001.00 yuan"
    assert amount_zh(Decimal("0")) == "0.00 元" and amount_en(Decimal("0")) == "0.00 yuan"

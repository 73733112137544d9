"""Amounts in Chinese capitals (大写金额) as vouchers write them (PBoC 《正确填写票据和结算凭证的基本规定》)."""

from decimal import Decimal

import pytest

from disburse.domain.money import MoneyError, format_daxie


@pytest.mark.parametrize(("amount", "words"), [
    ("1950000", "壹佰玖拾伍万元整"),
    ("0.05", "伍分"),
    ("1001.10", "壹仟零壹元壹角"),
    ("0", "零元整"),
    ("0.50", "伍角"),
    ("16", "壹拾陆元整"),
    ("10", "壹拾元整"),
    ("1010", "壹仟零壹拾元整"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("6500000.00", "陆佰伍拾万元整"),
    ("2600000.00", "贰佰陆拾万元整"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("10000000", "壹仟万元整"),
    ("100005000", "壹亿零伍仟元整"),
    ("100010000", "壹亿零壹万元整"),
    ("100000001", "壹亿零壹元整"),
    ("123456789.99", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元玖角玖分"),
])
def test_an_amount_reads_in_capitals_as_on_a_voucher(amount: str, words: str) -> None:
    assert format_daxie(Decimal(amount)) == words


@pytest.mark.parametrize("amount", ["0.001", "-1", "10000000000000000"])
def test_an_amount_that_is_not_money_has_no_capitals(amount: str) -> None:
    with pytest.raises(MoneyError):
        format_daxie(Decimal(amount))

"""Money text is written one way (issue 14): ASCII digits, an optional point and at most two decimals.

``Decimal()`` takes exponents, full-width digits, underscores, padding, signs, NaN and Infinity; the
parser takes none of them, in the API's fields and the plan documents alike. Only the web forms bring
what a person typed (full-width digits, thousands separators) to the plain form first, once.
"""

from decimal import Decimal
from typing import Any

import pytest
from marshmallow import Schema, ValidationError

from disburse.domain.money import MoneyError, normalise_typed, parse_money, typed_yuan
from disburse.schemas import flatten_errors
from disburse.schemas.fields import MoneyField, YuanField
from disburse.schemas.plan import load_plan
from tests.helpers import example

REFUSED = [
    ("1e5", "an exponent"),
    ("1E5", "an exponent in capitals"),
    ("1e-2", "a negative exponent"),
    ("１２３", "full-width digits"),
    ("١٢٣", "Arabic-Indic digits"),
    ("1_000", "an underscore between digits"),
    ("1,000", "a thousands separator"),
    ("1 000", "a space between digits"),
    (" 100", "a space before"),
    ("100 ", "a space after"),
    ("100\n", "a line break after"),
    ("\t100", "a tab before"),
    ("+5", "a plus sign"),
    ("-5", "a minus sign"),
    ("-0", "a signed zero"),
    ("NaN", "not a number"),
    ("nan", "not a number, small"),
    ("sNaN", "a signalling NaN"),
    ("Infinity", "infinity"),
    ("-Infinity", "minus infinity"),
    ("inf", "inf"),
    (".5", "a leading point"),
    ("5.", "a trailing point"),
    (".", "a point alone"),
    ("", "nothing"),
    ("007", "leading zeros"),
    ("00", "two zeros"),
    ("0x10", "hexadecimal"),
    ("1.2.3", "two points"),
    ("0.001", "three decimals"),
    ("1.500", "three decimals, the last a zero"),
    ("10000000000000000", "10¹⁶ yuan, more than the database holds"),
    ("5元", "a unit"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED, ids=[why for _, why in REFUSED])
def test_money_text_not_written_as_plain_digits_is_refused(text: str, why: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(text)


ACCEPTED = [
    ("0", Decimal("0.00")),
    ("0.5", Decimal("0.50")),
    ("0.01", Decimal("0.01")),
    ("1", Decimal("1.00")),
    ("100", Decimal("100.00")),
    ("6500000.00", Decimal("6500000.00")),
    ("1950000.5", Decimal("1950000.50")),
    ("9999999999999999.99", Decimal("9999999999999999.99")),
]


@pytest.mark.parametrize(("text", "yuan"), ACCEPTED)
def test_plain_money_text_is_read_exactly_to_the_fen(text: str, yuan: Decimal) -> None:
    amount = parse_money(text)
    assert amount == yuan and amount.as_tuple().exponent == -2


def test_money_stays_exact_where_floats_would_not() -> None:
    assert parse_money("0.10") + parse_money("0.20") == parse_money("0.30")
    assert sum((parse_money("0.01") for _ in range(100)), Decimal(0)) == parse_money("1.00")
    assert parse_money("9999999999999999.99") - parse_money("9999999999999999.98") == parse_money("0.01")


@pytest.mark.parametrize(("text", "yuan"), [("650", "6500000.00"), ("22.5", "225000.00"), ("0.000001", "0.01"),
                                            ("3.200000", "32000.00")])
def test_wan_yuan_may_carry_six_decimals_and_stay_exact(text: str, yuan: str) -> None:
    assert parse_money(text, "万元") == Decimal(yuan)


@pytest.mark.parametrize("text", ["0.0000001", "1e2", "１５０", " 150", "1000000000000"])
def test_wan_yuan_follow_the_same_rules(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(text, "万元")


@pytest.mark.parametrize("value", [1.5, 100.0, True, None, [], {"amount": "1"}])
def test_what_is_not_text_is_refused(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_money(value)


def test_the_message_says_what_is_wrong_in_chinese_and_english() -> None:
    with pytest.raises(MoneyError) as refused:
        parse_money("1e5")
    assert "金额格式有误" in str(refused.value) and "ASCII digits" in str(refused.value)
    with pytest.raises(MoneyError) as refused:
        parse_money("1.234")
    assert "金额最多2位小数" in str(refused.value) and "more than 2 decimals" in str(refused.value)


TYPED = [
    ("１９５００００．００", "1950000.00"),
    ("１，９５０，０００．００", "1950000.00"),
    ("1,950,000.00", "1950000.00"),
    ("1,950,000", "1950000"),
    ("  1950000.00\u3000", "1950000.00"),
    ("１２３", "123"),
]


@pytest.mark.parametrize(("typed", "plain"), TYPED)
def test_what_a_chinese_input_method_types_is_brought_to_the_plain_form(typed: str, plain: str) -> None:
    assert normalise_typed(typed) == plain
    assert parse_money(normalise_typed(typed)) == Decimal(plain)


@pytest.mark.parametrize("typed", ["1,95,000", "1,9500", ",100", "1e5", "1_000", "+5", "NaN", "１e５", "1,000.", "5."])
def test_anything_else_typed_is_left_for_the_parser_to_refuse(typed: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(normalise_typed(typed))


class Amounts(Schema):
    yuan = YuanField(load_default=None)
    money = MoneyField(load_default=None)


@pytest.mark.parametrize("text", [text for text, _ in REFUSED if text not in ("1.500", "0.001", "10000000000000000")])
def test_the_api_fields_refuse_the_same_forms_naming_the_field(text: str) -> None:
    for field in ("yuan", "money"):
        with pytest.raises(ValidationError) as refused:
            Amounts().load({field: text})
        assert field in refused.value.messages, refused.value.messages


@pytest.mark.parametrize("number", [100000, 1.5, 1e5])
def test_a_json_number_for_money_is_refused(number: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        Amounts().load({"yuan": number})
    assert "金额须以字符串表示" in flatten_errors(refused.value.messages)["yuan"][0]


def test_the_api_fields_load_plain_money_exactly() -> None:
    assert Amounts().load({"yuan": "1950000.50", "money": "22.123456"}) == {
        "yuan": Decimal("1950000.50"), "money": Decimal("22.123456")}
    with pytest.raises(ValidationError) as refused:
        Amounts().load({"yuan": "22.123"})
    assert "金额最多2位小数" in flatten_errors(refused.value.messages)["yuan"][0]


@pytest.mark.parametrize("name", ["000", "001", "002", "003"])
def test_the_transcribed_seed_plans_still_load(name: str) -> None:
    plan, _ = load_plan(example(name))
    assert plan.total > 0


def test_a_plan_in_wan_yuan_is_multiplied_exactly() -> None:
    plan, _ = load_plan(example("000"))
    assert plan.total == Decimal("6500000.00")
    assert [f.amount for f in plan.funding] == [Decimal("1500000.00"), Decimal("5000000.00")]


@pytest.mark.parametrize(("path", "value"), [("total", "1e3"), ("total", "６５０"), ("total", 650),
                                             ("lines.0.amount", " 22"), ("funding.1.amount", "5_00"),
                                             ("subtotals.完善电子商务公共服务中心", "+61")])
def test_a_plan_with_money_not_written_plainly_is_refused_naming_the_field(path: str, value: Any) -> None:
    document = example("000")
    *parents, last = path.split(".")
    node: Any = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        assert last in node
        node[last] = value
    with pytest.raises(ValidationError) as refused:
        load_plan(document)
    named = flatten_errors(refused.value.messages)
    assert any(k == path or k.startswith(f"{path}.") for k in named), named  # a dict's value: "….value"


@pytest.mark.parametrize(("typed", "plain"), [
    ("195万", "1950000"), ("195万元", "1950000"), ("１９５万元", "1950000"), ("12.5 万", "125000"),
    ("195.123456万", "1951234.56"), ("0.3万元", "3000"), ("1,950,000.00", "1950000.00"), ("1950000元", "1950000"),
    ("1,950,000.00 元", "1950000.00"),
    # what is not an amount stays as typed, for the parser to refuse
    ("1e9万", "1e9万"), ("abc万", "abc万"), ("万", "万"), ("1.2345678万", "1.2345678万"),
    ("1234567890123万", "1234567890123万"),
])
def test_an_amount_typed_in_wan_where_a_form_asks_for_yuan_is_read_exactly(typed: str, plain: str) -> None:
    assert typed_yuan(typed) == plain

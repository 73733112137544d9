"""Dates and months from clients are written one way and plausible (issue 14): 1949-10-01 to 2100-12-31.

One field type for every date the API and the plan documents accept, one for every month, so no date
field can be forgotten; the disbursement's own date is checked against the clock and the approval by
the payment workflow's checks (tests/e2e/test_plausible_input.py).
"""

from datetime import date
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from disburse.api import schemas as api_schemas
from disburse.domain.dates import DateError, parse_date, parse_month
from disburse.domain.payment_gates import voucher_key
from disburse.schemas import flatten_errors
from disburse.schemas import plan as plan_schemas
from disburse.schemas.fields import DateField, MonthField
from disburse.schemas.plan import load_plan
from tests.helpers import example

BAD_DATES = ["1900-01-01", "1949-09-30", "0001-01-01", "1000-01-01", "2101-01-01", "9999-12-31",
             "20241008", "2024-W41-2", "2024-282", "2024-1-8", "２０２４-10-08", " 2024-10-08", "2024-10-08 ",
             "2024-10-08T00:00", "2024-02-30", "2023-02-29", "", "yesterday"]


@pytest.mark.parametrize("text", BAD_DATES)
def test_a_date_not_written_as_yyyy_mm_dd_or_not_plausible_is_refused(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text)


@pytest.mark.parametrize(("text", "day"), [("1949-10-01", date(1949, 10, 1)), ("2024-02-29", date(2024, 2, 29)),
                                           ("2024-10-08", date(2024, 10, 8)), ("2100-12-31", date(2100, 12, 31))])
def test_a_plausible_date_is_read(text: str, day: date) -> None:
    assert parse_date(text) == day


def test_the_refusal_says_why_in_chinese_and_english() -> None:
    with pytest.raises(DateError) as refused:
        parse_date("1900-01-01")
    assert refused.value.zh == "日期 1900-01-01 早于 1949-10-01"
    assert str(refused.value) == "1900-01-01 is before 1949-10-01 (日期 1900-01-01 早于 1949-10-01)"


@pytest.mark.parametrize("text", ["1000-01", "1949-09", "2101-01", "2999-12", "2024-13", "2024-00", "2024-1",
                                  "202410", "２０２４-10", "2024-10 ", "2024-10-01", ""])
def test_a_month_not_written_as_yyyy_mm_or_not_plausible_is_refused(text: str) -> None:
    with pytest.raises(DateError):
        parse_month(text)


@pytest.mark.parametrize("text", ["1949-10", "2024-10", "2100-12"])
def test_a_plausible_month_is_read_as_given(text: str) -> None:
    assert parse_month(text) == text


def _date_fields(schema: type[Schema]) -> list[str]:
    return [name for name, field in schema._declared_fields.items() if isinstance(field, fields.Date)]


@pytest.mark.parametrize("module", [api_schemas, plan_schemas])
def test_every_date_field_of_the_api_and_the_plans_is_the_plausible_date(module: Any) -> None:
    schemas = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, Schema)]
    dated = [(s.__name__, name, type(s._declared_fields[name]).__name__) for s in schemas for name in _date_fields(s)]
    assert dated, "no date fields found"
    assert all(kind == "DateField" for _, _, kind in dated), dated


def test_every_month_field_of_the_api_is_the_plausible_month() -> None:
    months = [(s.__name__, type(s._declared_fields["month"]).__name__) for s in vars(api_schemas).values()
              if isinstance(s, type) and issubclass(s, Schema) and "month" in s._declared_fields
              and not getattr(s._declared_fields["month"], "dump_only", False)
              and s.__name__.endswith(("In", "Args"))]
    assert months and all(kind == "MonthField" for _, kind in months), months


class Dated(Schema):
    on = DateField(load_default=None)
    month = MonthField(load_default=None)


@pytest.mark.parametrize(("field", "value"), [("on", "1900-01-01"), ("on", "20241008"), ("on", 20241008),
                                              ("month", "1000-01"), ("month", 202410)])
def test_the_fields_refuse_naming_themselves(field: str, value: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        Dated().load({field: value})
    assert list(refused.value.messages) == [field]


@pytest.mark.parametrize(("path", "value"), [("period", {"start": "1900-01-01", "end": "2021-12-31"}),
                                             ("phases", [{"name": "启动阶段", "start": "1000-01-01"}])])
def test_a_plan_with_an_implausible_date_is_refused(path: str, value: Any) -> None:
    document = {**example("000"), path: value}
    with pytest.raises(ValidationError) as refused:
        load_plan(document)
    assert path in refused.value.messages


def test_a_plan_deadline_is_a_plausible_date_too() -> None:
    document = example("003")
    document["lines"][0]["deadline"] = "3024-12-31"
    with pytest.raises(ValidationError) as refused:
        load_plan(document)
    assert "lines.0.deadline" in flatten_errors(refused.value.messages)


@pytest.mark.parametrize(("typed", "key"), [
    ("ZF-2024-001", "ZF-2024-001"), (" zf-2024-001 ", "ZF-2024-001"), ("ＺＦ－２０２４－００１", "ZF-2024-001"),
    ("ZF 2024\u3000001", "ZF2024001"), ("凭证 12", "凭证12"), ("   ", ""),
])
def test_voucher_numbers_are_compared_without_spaces_case_or_full_width_forms(typed: str, key: str) -> None:
    assert voucher_key(typed) == key

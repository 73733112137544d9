"""Fields that carry this domain's values exactly."""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields

from disburse.domain import credit_code, payee
from disburse.domain.dates import EARLIEST, LATEST, DateError, parse_date, parse_month
from disburse.domain.money import MAX_DECIMALS, MoneyError, format_yuan, parse_money, read_amount

_SHANGHAI = ZoneInfo("Asia/Shanghai")


def decimal_text(value: Any, what: str, example: str, what_zh: str) -> Decimal:
    """An exact decimal given as a string; anything else is refused with an example."""
    if not isinstance(value, str):
        raise ValidationError(f"{what} must be a string such as \"{example}\" ({what_zh}须以字符串表示)")
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise ValidationError(f"not {what}: {value!r} ({what_zh}无效)") from None
    if not number.is_finite():
        raise ValidationError(f"not {what}: {value!r} ({what_zh}无效)")
    return number


class MoneyField(fields.Field):
    """Money as a JSON string (``"6500000.00"``); a JSON number is refused (SPEC §4).

    Loads into an unscaled :class:`Decimal`, read by :func:`~disburse.domain.money.read_amount`
    (ASCII digits, at most as many decimals as any unit allows; issue 14); documents written in
    万元 are scaled and checked to the fen by the plan schema, which knows the unit.
    """

    #: the text accepted, for the OpenAPI document
    PATTERN = rf"^(0|[1-9][0-9]*)(\.[0-9]{{1,{MAX_DECIMALS}}})?$"

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "pattern": self.PATTERN, "example": "6500000.00"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValidationError(
                f"money must be a JSON string such as \"{value}\" (金额须以字符串表示), not a number"
            )
        if not isinstance(value, str):
            raise ValidationError("money must be a string such as \"6500000.00\" (金额须以字符串表示)")
        try:
            return read_amount(value, MAX_DECIMALS)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return format_yuan(value)
        return str(value)


class YuanField(MoneyField):
    """Money in yuan: ASCII digits with at most two decimals, positive or zero (issue 14)."""

    PATTERN = r"^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_money(value)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None


class DateField(fields.Date):
    """A local date from a client: ``YYYY-MM-DD`` in ASCII digits, from 1949-10-01 to 2100-12-31.

    Every date the API and the plan documents accept is this field (issue 14), so none takes a
    week date, ``20241008``, full-width digits or the year 1000 (:func:`~disburse.domain.dates.parse_date`).
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"example": "2024-10-08", "description": f"a date between {EARLIEST} and {LATEST}"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        try:
            return parse_date(value)
        except DateError as exc:
            raise ValidationError(str(exc)) from None


class MomentField(fields.Field):
    """A moment from a client: a date ``YYYY-MM-DD`` (the start of that day in Asia/Shanghai) or an ISO 8601
    time ``YYYY-MM-DDTHH:MM[:SS]`` with or without its offset (without: Asia/Shanghai); loaded in UTC.

    A delegation's ``from`` and ``until`` are moments (issue 21 item 2): ``until`` 2026-12-10 ends as 10
    December begins, so the last day covered is the 9th (a half-open period)."""

    _FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
                       r"(Z|[+-][0-9]{2}:[0-9]{2})?)?")

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "example": "2026-12-10",
                    "description": "a date (the start of that day, Asia/Shanghai) or an ISO 8601 time"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str) or not self._FORM.fullmatch(value):
            raise ValidationError("write a date such as 2026-12-10 or a time such as 2026-12-10T08:30 "
                                  "(日期或时间格式无效)")
        try:
            day = parse_date(value[:10])
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if len(value) > 10 else \
                datetime.combine(day, time())
        except (DateError, ValueError) as exc:
            raise ValidationError(str(exc)) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_SHANGHAI)
        return moment.astimezone(UTC)


class MonthField(fields.String):
    """A month from a client: ``YYYY-MM`` in ASCII digits, from 1949-10 to 2100-12 (issue 14)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$", "example": "2024-10",
                    "description": f"a month between {EARLIEST:%Y-%m} and {LATEST:%Y-%m}"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return parse_month(value)
        except DateError as exc:
            raise ValidationError(str(exc)) from None


class When(fields.Field):
    """A time or a date as the API writes it: ISO 8601 (a time in UTC with its offset). A stored answer
    (an idempotent replay) is already text and passes as it is."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "example": "2024-10-08T02:00:00+00:00"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, date):
            return value.isoformat()
        raise ValidationError(f"not a time or a date: {value!r}")


class QuantityField(fields.Field):
    """A target quantity (e.g. 3000 人次): a whole or decimal number, kept as exact text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "example": "3000"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or isinstance(value, float):
            raise ValidationError("write the quantity as a string or a whole number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError(f"not a number: {value!r}") from None
        if not number.is_finite():
            raise ValidationError(f"not a number: {value!r}")
        return f"{number.normalize():f}"

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class ShareField(fields.Field):
    """A share of an amount as a decimal string (``"0.30"``), exact."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"type": "string", "example": "0.30"}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        share = decimal_text(value, "a share", "0.30", "比例")
        if share < 0 or share > 1:
            raise ValidationError("a share lies between 0 and 1 (比例应在0与1之间)")
        return share

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class CreditCodeField(fields.String):
    """A unified social credit code, checked to its GB 32100-2015 check digit."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        wrong = credit_code.problem(code)
        if wrong:
            raise ValidationError(wrong)
        return code


class AccountField(fields.String):
    """A payee's bank account number (账号, issue 17): digits in groups separated by single spaces, 8–32
    digits (:func:`disburse.domain.payee.read_account`); stored trimmed."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"example": "6222 0202 0000 1234 567", "maxLength": payee.ACCOUNT_MAX_LENGTH}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return payee.read_account(super()._deserialize(value, attr, data, **kwargs))
        except payee.PayeeError as exc:
            raise ValidationError(str(exc)) from None


class BankField(fields.String):
    """The bank where the payee's account is held (开户银行, issue 17): trimmed, not blank, no control
    characters (:func:`disburse.domain.payee.read_bank`)."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"example": "中国农业银行霞浦县支行", "maxLength": payee.BANK_MAX_LENGTH}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return payee.read_bank(super()._deserialize(value, attr, data, **kwargs))
        except payee.PayeeError as exc:
            raise ValidationError(str(exc)) from None

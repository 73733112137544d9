"""Fields that carry this domain's values exactly."""

from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields

from disburse.domain import credit_code
from disburse.domain.money import MoneyError, format_yuan, parse_money


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

    Loads into an unscaled :class:`Decimal`; documents written in 万元 are scaled by
    the plan schema, which knows the unit.
    """

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "example": "6500000.00"}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValidationError(
                f"money must be a JSON string such as \"{value}\" (金额须以字符串表示), not a number"
            )
        return decimal_text(value, "money", "6500000.00", "金额")

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return format_yuan(value)
        return str(value)


class YuanField(MoneyField):
    """Money in yuan, checked to the fen and positive or zero."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        amount = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_money(str(amount))
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None


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

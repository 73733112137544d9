"""Money: one type for the whole service (SPEC §4).

Amounts are :class:`decimal.Decimal` yuan quantised to the fen (two places). They
are never floats: they are parsed from strings, carried in JSON as strings
(``"6500000.00"``) and stored as integer fen. Plans written in 万元 (the seeds'
tables, e.g. seed 000 §7) are multiplied by 10 000 on the way in.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
WAN = Decimal("10000")
UNITS = {"元": Decimal(1), "万元": WAN}


class MoneyError(ValueError):
    """An amount that is not exact money: a float, text, or more precise than a fen."""


def parse_money(value: object, unit: str = "元") -> Decimal:
    """Parse a money amount given as a string (or int) in ``unit`` into yuan.

    Floats are refused because they cannot carry exact money (SPEC §4: a JSON
    number for money is an error). More than two decimals after conversion to
    yuan is refused rather than rounded: nobody's money is rounded silently.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("money must be a string such as \"6500000.00\", not a number")
    if not isinstance(value, (str, int, Decimal)):
        raise MoneyError("money must be a string such as \"6500000.00\"")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise MoneyError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    try:
        factor = UNITS[unit]
    except KeyError:
        raise MoneyError(f"unknown unit {unit!r}; use 元 or 万元") from None
    yuan = amount * factor
    if yuan != yuan.quantize(FEN):
        raise MoneyError(f"{value} {unit} is more precise than one fen")
    return yuan.quantize(FEN)


def to_fen(yuan: Decimal) -> int:
    """Yuan to integer fen, exactly."""
    fen = yuan * 100
    if fen != fen.to_integral_value():
        raise MoneyError(f"{yuan} is more precise than one fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Integer fen to yuan."""
    return (Decimal(fen) / 100).quantize(FEN)


def format_yuan(yuan: Decimal) -> str:
    """The JSON form of an amount: a plain string with two decimals."""
    return f"{yuan.quantize(FEN):f}"


def format_wan(yuan: Decimal) -> str:
    """An amount in 万元 as officials write it (``650万元``, ``22.5万元``)."""
    wan = (yuan / WAN).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP).normalize()
    return f"{wan:f}万元"


def share_text(share: Decimal) -> str:
    """A share of the total as a percentage (``0.15`` → ``15%``)."""
    pct = (share * 100).normalize()
    return f"{pct:f}%"

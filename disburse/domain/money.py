"""Money: one type for the whole service (SPEC §4).

Amounts are :class:`decimal.Decimal` yuan quantised to the fen (two places). They
are never floats: they are parsed from strings, carried in JSON as strings
(``"6500000.00"``) and stored as integer fen. Plans written in 万元 (the seeds'
tables, e.g. seed 000 §7) are multiplied by 10 000 on the way in.

Money text is written one way (issue 14): ASCII digits, no leading zero, and an
optional decimal point followed by at most two digits (six in 万元, which is still
exact to the fen) — nothing else. ``Decimal()`` would also take ``1e5``, ``１２３``,
``1_000``, `` 100``, ``+5``, ``NaN``, ``Infinity``, ``.5`` and ``5.``; :func:`parse_money`
takes none of them. What people type into the web forms (full-width digits from a
Chinese input method, thousands separators) is brought to that form once, by
:func:`normalise_typed`, before the same parser (docs/decisions.md, "Issue 14: money text").
"""

import re
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
WAN = Decimal("10000")
UNITS = {"元": Decimal(1), "万元": WAN}
#: How many decimals an amount may be written with in each unit: to the fen, exactly.
DECIMALS = {"元": 2, "万元": 6}
#: The most decimals any unit allows (a field that does not know the unit yet checks this).
MAX_DECIMALS = max(DECIMALS.values())
#: Up to, not including, 10¹⁶ yuan: what the database's integer fen and the capitals can hold.
LIMIT = Decimal(10) ** 16

_MONEY_TEXT = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]+))?")
_TYPED_GROUPS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
#: Full-width digits ０–９, point ． and comma ， (what a Chinese input method types) to ASCII.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


class MoneyError(ValueError):
    """An amount that is not exact money: a float, text written otherwise, or more precise than a fen."""


def _shown(text: str) -> str:
    return repr(text[:32])


def read_amount(text: str, decimals: int = DECIMALS["元"]) -> Decimal:
    """Money text as written, unscaled: ASCII digits, no leading zero, at most ``decimals`` decimals.

    The one reading of money text (issue 14); everything else is refused with the reason.
    """
    m = _MONEY_TEXT.fullmatch(text)
    if m is None:
        raise MoneyError(f"not an amount: {_shown(text)}; write ASCII digits with an optional decimal point, "
                         f"no sign, spaces or separators, e.g. \"6500000.00\" (金额格式有误)")
    if m.group(2) is not None and len(m.group(2)) > decimals:
        raise MoneyError(f"{_shown(text)} has more than {decimals} decimals (金额最多{decimals}位小数)")
    return Decimal(text)


def parse_money(value: object, unit: str = "元") -> Decimal:
    """Parse a money amount given as a string in ``unit`` into yuan, exactly (:func:`read_amount`).

    Floats are refused because they cannot carry exact money (SPEC §4: a JSON
    number for money is an error). More decimals than the unit holds to the fen is
    refused rather than rounded: nobody's money is rounded silently. An ``int`` or
    ``Decimal`` from our own code is read as its plain digits, under the same rules.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError("money must be a string such as \"6500000.00\", not a number (金额须以字符串表示)")
    if isinstance(value, (int, Decimal)):
        value = f"{value:f}" if isinstance(value, Decimal) else str(value)
    if not isinstance(value, str):
        raise MoneyError("money must be a string such as \"6500000.00\" (金额须以字符串表示)")
    try:
        factor, decimals = UNITS[unit], DECIMALS[unit]
    except KeyError:
        raise MoneyError(f"unknown unit {unit!r}; use 元 or 万元 (金额单位应为元或万元)") from None
    yuan = read_amount(value, decimals) * factor
    if yuan >= LIMIT:
        raise MoneyError(f"{_shown(value)} {unit} is too large (金额过大)")
    return yuan.quantize(FEN)


def normalise_typed(text: str) -> str:
    """What a person typed into a web form's amount, in the one form :func:`parse_money` reads.

    A Chinese input method may type full-width digits and point (``１９５００００．００``), and
    people group thousands (``1,950,000.00``, also ``１，９５０，０００``): full-width digits, point
    and comma become ASCII, the separators are dropped when they stand every three digits, and the
    spaces around (an ideographic space too) are trimmed. Anything else is left as typed, for the
    parser to refuse. The API does not call this: JSON clients send the plain form (docs/decisions.md).
    """
    plain = text.translate(_FULL_WIDTH).strip()
    if _TYPED_GROUPS.fullmatch(plain):
        plain = plain.replace(",", "")
    return plain


#: The number of an amount typed with 万 where a form asks for 元: at most twelve digits and six decimals, so
#: the product is exact to the fen and no typed exponent can grow it.
_TYPED_NUMBER = re.compile(r"\d{1,12}(?:\.\d{1,6})?")


def typed_yuan(text: str) -> str:
    """What a person typed into a web form's amount in 元, read as officials write it: ``1,950,000.00``,
    ``1950000元``, ``195万`` and ``195万元`` all give the plain ``1950000…`` (issue 18 item 5: officials think
    in 万元). Anything else is :func:`normalise_typed`'s, left as typed for the parser to refuse."""
    plain = normalise_typed(text)
    for suffix, factor in (("万元", 10000), ("万", 10000), ("元", 1)):
        if plain.endswith(suffix):
            number = normalise_typed(plain[:-len(suffix)])
            if factor == 1:
                return number
            if _TYPED_NUMBER.fullmatch(number):
                return f"{(Decimal(number) * factor).normalize():f}"
            return plain
    return plain


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


def amount_zh(yuan: Decimal) -> str:
    """An amount in a sentence, as officials write it: ``1,950,000.00 元（195万元）``; nothing is ``0.00 元``,
    without a 万元 that says nothing more (as the approval sheet writes it)."""
    yuan_text = f"{yuan.quantize(FEN):,.2f} 元"
    return yuan_text if yuan == 0 else f"{yuan_text}（{format_wan(yuan)}）"


def amount_en(yuan: Decimal) -> str:
    """An amount in an English sentence: ``1,950,000.00 yuan``."""
    return f"{yuan.quantize(FEN):,.2f} yuan"


def share_text(share: Decimal) -> str:
    """A share of the total as a percentage (``0.15`` → ``15%``)."""
    pct = (share * 100).normalize()
    return f"{pct:f}%"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("仟", "佰", "拾", "")
_SECTIONS = ("", "万", "亿", "万亿")


def _four_digits(group: int) -> str:
    """One group of up to four digits in capitals; a zero before a digit is read as one 零."""
    words, zero = "", False
    for digit, place in zip(f"{group:04d}", _PLACES, strict=True):
        if digit == "0":
            zero = zero or bool(words)
            continue
        words += ("零" if zero else "") + _DIGITS[int(digit)] + place
        zero = False
    return words


def _whole_yuan(yuan: int) -> str:
    """The whole yuan of an amount in capitals, grouped by 万 and 亿 (``100005000`` → ``壹亿零伍仟``)."""
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    words, zero = "", False
    for section in reversed(range(len(groups))):
        group = groups[section]
        if group == 0:
            zero = bool(words)
            continue
        if words and (zero or group < 1000):
            words += "零"
        words += _four_digits(group) + _SECTIONS[section]
        zero = False
    return words


def format_daxie(yuan: Decimal) -> str:
    """An amount in Chinese capitals (大写金额) as written on vouchers: ``1950000`` → ``壹佰玖拾伍万元整``.

    The People's Bank of China's rules for filling in bills and settlement vouchers (《支付结算办法》
    附一《正确填写票据和结算凭证的基本规定》): capitals 零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分; 整 after
    an amount that ends at the 元; one 零 for a run of zeros inside the figure; 零 between 元 and
    分 when the 角 is zero (``325.04`` → ``叁佰贰拾伍元零肆分``); 壹拾 for a leading ten (``16`` →
    ``壹拾陆元整``). An amount below one yuan starts at its first non-zero unit (``0.05`` → ``伍分``).
    Amounts are exact to the fen (:func:`parse_money`); up to, not including, 10¹⁶ yuan.
    """
    if yuan != yuan.quantize(FEN):
        raise MoneyError(f"{yuan} is more precise than one fen")
    if yuan < 0 or yuan >= Decimal(10) ** 16:
        raise MoneyError(f"no capitals for {yuan}: the amount must be between 0 and 10¹⁶ yuan")
    whole, fen = divmod(to_fen(yuan), 100)
    jiao, fen = divmod(fen, 10)
    if whole == 0 and jiao == 0 and fen == 0:
        return "零元整"
    words = f"{_whole_yuan(whole)}元" if whole else ""
    if jiao == 0 and fen == 0:
        return words + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif whole:
        words += "零"
    return words + (_DIGITS[fen] + "分" if fen else "")

"""Dates and months a client may give: written one way, and plausible (issue 14; SPEC §4).

A date is ``YYYY-MM-DD`` and a month ``YYYY-MM``, in ASCII digits and nothing else (no week dates,
no ``20241008``, no full-width digits, no spaces). Every date of this service — a plan's period and
phases, a deadline, a tender's announcement, a contract's signing, a recovery, a disbursement, a
report month, an audit filter — falls within the People's Republic's public finance: not before
1949-10-01, not after 2100-12-31. A year like ``1000`` or ``9999`` is a typing error or a probe, and
is refused rather than stored.
"""

import re
from datetime import date

#: The founding of the People's Republic of China: no county fund is older.
EARLIEST = date(1949, 10, 1)
#: Far enough for any plan's deadline; anything later is a typing error.
LATEST = date(2100, 12, 31)

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class DateError(ValueError):
    """A date or month that is not written as one, or not plausible; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{en} ({zh})")
        self.zh = zh
        self.en = en


def _shown(value: str) -> str:
    return repr(value[:32])


def plausible(day: date) -> date:
    """The date itself if it lies between :data:`EARLIEST` and :data:`LATEST`; else :class:`DateError`."""
    if day < EARLIEST:
        raise DateError(f"日期 {day.isoformat()} 早于 {EARLIEST.isoformat()}",
                        f"{day.isoformat()} is before {EARLIEST.isoformat()}")
    if day > LATEST:
        raise DateError(f"日期 {day.isoformat()} 晚于 {LATEST.isoformat()}",
                        f"{day.isoformat()} is after {LATEST.isoformat()}")
    return day


def parse_date(value: object) -> date:
    """A client's date, ``YYYY-MM-DD`` in ASCII digits, real and plausible (:func:`plausible`)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        shown = _shown(value) if isinstance(value, str) else type(value).__name__
        raise DateError("日期格式应为 2024-10-08", f"not a date: {shown}; write YYYY-MM-DD, e.g. 2024-10-08")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise DateError(f"没有这一天：{value}", f"no such day: {value}") from None
    return plausible(day)


def parse_month(value: object) -> str:
    """A client's month, ``YYYY-MM`` in ASCII digits, from 1949-10 to 2100-12; returned as given."""
    if not isinstance(value, str):
        raise DateError("月份格式应为 2024-10", f"not a month: {type(value).__name__}; write YYYY-MM, e.g. 2024-10")
    m = _MONTH.fullmatch(value)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        raise DateError("月份格式应为 2024-10", f"not a month: {_shown(value)}; write YYYY-MM, e.g. 2024-10")
    year, month = int(m.group(1)), int(m.group(2))
    if (year, month) < (EARLIEST.year, EARLIEST.month) or (year, month) > (LATEST.year, LATEST.month):
        raise DateError(f"月份 {value} 不在 {EARLIEST:%Y-%m} 至 {LATEST:%Y-%m} 之间",
                        f"the month {value} is not between {EARLIEST:%Y-%m} and {LATEST:%Y-%m}")
    return value

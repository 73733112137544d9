"""The public notice (公示) of an acceptance result (seed 004 §5(5)2; seed 003 §5(2)3②).

The notice runs for the rule set's number of days — working days by China's
official holiday calendar (``chinese-calendar``, which knows the make-up working
days) or calendar days — counted from the day after publication, and ends at
24:00 Asia/Shanghai of the last day.

For a year the State Council has not yet published (the package covers what was
published when it was released), Monday to Friday count as working days.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def is_working_day(day: date) -> bool:
    """An official working day; weekdays for a year whose holidays are not published yet."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def last_day(published_on: date, days: int, working_days: bool) -> date:
    """The last day of a notice published on ``published_on`` (a local date)."""
    day = published_on
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if not working_days or is_working_day(day):
            counted += 1
    return day


def notice_end(published_at: datetime, days: int, working_days: bool) -> tuple[date, datetime]:
    """The notice's last local day and the instant it ends (24:00 Shanghai of that day)."""
    published_on = published_at.astimezone(SHANGHAI).date()
    end_day = last_day(published_on, days, working_days)
    ends_at = datetime.combine(end_day + timedelta(days=1), time(0, 0), tzinfo=SHANGHAI)
    return end_day, ends_at.astimezone(UTC)


def local_date(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()

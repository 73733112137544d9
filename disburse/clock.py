"""The one clock: aware UTC times, replaceable in tests (a notice ends, a deadline passes)."""

from datetime import UTC, datetime, timedelta


class Clock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    """A clock that stands still until it is set or advanced."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self._now += delta

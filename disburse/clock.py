"""The one clock: aware UTC times, replaceable in tests (a notice ends, a deadline passes)."""

from datetime import UTC, datetime, timedelta


class Clock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


#: The real time, for what runs outside a request (the command line, column defaults); a request and the
#: scheduler use the app's clock (``app.extensions["disburse.clock"]``), which tests replace.
REAL = Clock()


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

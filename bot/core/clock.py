"""Time: an injectable clock (aware UTC) so tests can freeze and move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The real clock; all times are UTC."""

    def now(self) -> datetime:
        """Aware UTC now."""
        return datetime.now(UTC)

    def utcnow(self) -> datetime:
        """Aware UTC now, the form stored in the database (an alias kept for readability)."""
        return self.now()


class FrozenClock(Clock):
    """A clock that stands still until moved; for tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The frozen instant."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta given as keywords."""
        self._now += timedelta(**delta)

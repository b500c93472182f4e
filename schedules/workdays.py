"""Working-day arithmetic with Chinese official holidays, falling back to Mon–Fri per year."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import chinese_calendar

log = logging.getLogger(__name__)

END_OF_DAY = time(23, 59, 59)
ONE_DAY = timedelta(days=1)


class WorkCalendar:
    """Answers working-day questions; warns once per year the holiday data does not cover."""

    def __init__(self, lookup: Callable[[date], bool] | None = None) -> None:
        """Use `lookup` (default `chinese_calendar.is_workday`) for the official calendar."""
        self._lookup = functools.lru_cache(maxsize=4096)(lookup or chinese_calendar.is_workday)
        self._warned_years: set[int] = set()

    def is_workday(self, day: date) -> bool:
        """True for an official working day, including make-up Saturdays and Sundays (调休)."""
        try:
            return self._lookup(day)
        except NotImplementedError:
            self._warn_uncovered(day.year)
            return day.weekday() < 5

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself not counted); `start` when n is 0."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start
        while n > 0:
            day += ONE_DAY
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; negated (end < d <= start) when end < start."""
        if end < start:
            return -self.workdays_between(end, start)
        count = 0
        day = start + ONE_DAY
        while day <= end:
            count += self.is_workday(day)
            day += ONE_DAY
        return count

    def deadline_from(self, moment_local: datetime, n: int) -> datetime:
        """23:59:59 (same tzinfo) of the n-th working day after the local date of `moment_local`."""
        day = self.add_workdays(moment_local.date(), n)
        return datetime.combine(day, END_OF_DAY, tzinfo=moment_local.tzinfo)

    def _warn_uncovered(self, year: int) -> None:
        if year in self._warned_years:
            return
        self._warned_years.add(year)
        log.warning("chinese_calendar has no holiday data for %d; counting Mon-Fri as working "
                    "days for that year (upgrade chinesecalendar)", year)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The process-wide calendar, created on first use, so each uncovered year warns once."""
    return WorkCalendar()

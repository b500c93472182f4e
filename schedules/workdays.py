"""Working-day arithmetic: imported schedules, else chinesecalendar, else Mon–Fri per year."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import chinese_calendar
from sqlalchemy.engine import Engine

from storage.db import unit_of_work
from storage.work_calendar import stored_days

log = logging.getLogger(__name__)

END_OF_DAY = time(23, 59, 59)
ONE_DAY = timedelta(days=1)
REFRESH_MINUTES = 5  # how often a running bot re-reads the imported schedules
IMPORT_COMMAND = "liandong calendar import FILE"


@dataclass(frozen=True)
class Overrides:
    """The office's imported schedules: their years, and the days they list (True = working).

    In an imported year a day not listed follows the weekday rule; the package is not asked.
    """

    years: frozenset[int] = frozenset()
    days: Mapping[date, bool] = field(default_factory=dict)


class WorkCalendar:
    """Answers working-day questions; warns once per year that nothing covers."""

    def __init__(self, lookup: Callable[[date], bool] | None = None,
                 overrides: Overrides | None = None) -> None:
        """Use `lookup` (default `chinese_calendar.is_workday`) where no schedule was imported."""
        self._package = lookup or chinese_calendar.is_workday
        self._lookup = functools.lru_cache(maxsize=4096)(self._package)
        self._overrides = overrides or Overrides()
        self._warned_years: set[int] = set()

    @property
    def overrides(self) -> Overrides:
        """The imported schedules in use."""
        return self._overrides

    def use_overrides(self, overrides: Overrides) -> None:
        """Replace the imported schedules: one reference swap, safe beside other threads."""
        self._overrides = overrides

    def is_workday(self, day: date) -> bool:
        """True for an official working day, including make-up Saturdays and Sundays (调休)."""
        overrides = self._overrides
        listed = overrides.days.get(day)
        if listed is not None:
            return listed
        if day.year in overrides.years:
            return day.weekday() < 5
        try:
            return self._lookup(day)
        except NotImplementedError:
            self._warn_uncovered(day.year)
            return day.weekday() < 5

    def package_covers(self, year: int) -> bool:
        """True when the holiday package (the `lookup`) has data for `year`."""
        try:
            self._package(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def uncovered_years(self, today: date) -> list[int]:
        """This year and the next, less those an import or the package covers."""
        return [year for year in (today.year, today.year + 1)
                if year not in self._overrides.years and not self.package_covers(year)]

    def span_start(self, today: date, n: int) -> date:
        """The first day of the shortest span ending `today` holding `n` working days.

        Whatever happened before that day is at least `n` working days old.
        """
        day, count = today, 0
        while count < n:  # count == working days in (day, today]
            count += self.is_workday(day)
            day -= ONE_DAY
        return day + ONE_DAY

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
        log.warning("no holiday data for %d (chinesecalendar does not cover it and no schedule "
                    "was imported); counting Mon-Fri as working days for that year; import the "
                    "State Council's schedule with `%s`", year, IMPORT_COMMAND)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The process-wide calendar, created on first use, so each uncovered year warns once."""
    return WorkCalendar()


def load_overrides(engine: Engine) -> Overrides:
    """The imported schedules as stored (one small query)."""
    with unit_of_work(engine, read_only=True) as session:
        years, days = stored_days(session)
    return Overrides(years, days)


def refresh_default_calendar(engine: Engine) -> Overrides:
    """Re-read the imported schedules into the process-wide calendar; log when they changed."""
    overrides = load_overrides(engine)
    calendar = default_calendar()
    if overrides != calendar.overrides:
        log.info("work calendar: imported schedules for %s",
                 ", ".join(map(str, sorted(overrides.years))) or "no year")
    calendar.use_overrides(overrides)
    return overrides

"""Working-day arithmetic: chinesecalendar 2025-2026, imported years, the Mon-Fri fallback."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from schedules.workdays import Overrides, WorkCalendar, default_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNCOVERED_YEAR = 2099  # chinesecalendar 1.11 covers 2004-2026
NEW_YEAR_2027 = Overrides(frozenset({2027}), {date(2027, 1, 1): False})  # 元旦, a Friday


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_across_a_plain_weekend(cal: WorkCalendar) -> None:
    assert cal.add_workdays(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri -> Mon
    assert cal.add_workdays(date(2026, 3, 13), 3) == date(2026, 3, 18)  # Fri -> Wed
    assert cal.add_workdays(date(2026, 3, 7), 1) == date(2026, 3, 9)  # from a Saturday
    assert cal.add_workdays(date(2026, 3, 6), 0) == date(2026, 3, 6)


def test_national_day_2026(cal: WorkCalendar) -> None:
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.is_workday(date(2026, 10, 8))  # the package has Oct 1-7 off, Oct 8 a workday
    assert cal.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.workdays_between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 8, 9, 10(Sat), 12


def test_make_up_weekend_days_are_working_days(cal: WorkCalendar) -> None:
    assert cal.is_workday(date(2026, 9, 20))  # Sunday worked for National Day 2026
    assert cal.is_workday(date(2026, 10, 10))  # Saturday worked for National Day 2026
    assert cal.is_workday(date(2025, 9, 28))  # Sunday worked for National Day 2025
    assert cal.is_workday(date(2025, 10, 11))  # Saturday worked for National Day 2025
    assert not cal.is_workday(date(2026, 10, 11))  # the Sunday after stays off
    assert cal.add_workdays(date(2026, 10, 8), 2) == date(2026, 10, 10)
    assert cal.add_workdays(date(2025, 9, 26), 1) == date(2025, 9, 28)  # Fri -> make-up Sun


def test_spring_festival_2026(cal: WorkCalendar) -> None:
    assert not any(cal.is_workday(date(2026, 2, d)) for d in range(15, 24))  # Feb 15-23 off
    assert cal.is_workday(date(2026, 2, 14))  # make-up Saturday before
    assert cal.is_workday(date(2026, 2, 28))  # make-up Saturday after
    assert cal.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert cal.workdays_between(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_uncovered_year_falls_back_to_weekdays_and_warns_once(
        cal: WorkCalendar, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="schedules.workdays")
    assert cal.is_workday(date(UNCOVERED_YEAR, 1, 1))  # Thursday; no holiday data
    assert cal.add_workdays(date(UNCOVERED_YEAR, 1, 2), 1) == date(UNCOVERED_YEAR, 1, 5)
    assert cal.workdays_between(date(UNCOVERED_YEAR, 1, 1), date(UNCOVERED_YEAR, 1, 31)) == 21
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(UNCOVERED_YEAR) in warnings[0].getMessage()
    cal.is_workday(date(UNCOVERED_YEAR - 1, 6, 1))
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2


def test_covered_year_does_not_warn(cal: WorkCalendar, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="schedules.workdays")
    cal.workdays_between(date(2025, 1, 1), date(2026, 12, 31))
    assert not caplog.records


def test_each_calendar_warns_on_its_own(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="schedules.workdays")
    WorkCalendar().is_workday(date(UNCOVERED_YEAR, 3, 3))
    WorkCalendar().is_workday(date(UNCOVERED_YEAR, 3, 3))
    assert len(caplog.records) == 2


@pytest.mark.parametrize(("a", "b"), [
    (date(2026, 9, 30), date(2026, 10, 12)),
    (date(2026, 2, 13), date(2026, 2, 28)),
    (date(2026, 3, 6), date(2026, 3, 9)),
    (date(2026, 12, 30), date(2027, 1, 5)),
])
def test_workdays_between_is_antisymmetric(cal: WorkCalendar, a: date, b: date) -> None:
    assert cal.workdays_between(a, b) == -cal.workdays_between(b, a)
    assert cal.workdays_between(a, b) > 0
    assert cal.workdays_between(a, a) == 0


def test_workdays_between_counts_end_not_start(cal: WorkCalendar) -> None:
    assert cal.workdays_between(date(2026, 3, 9), date(2026, 3, 10)) == 1  # Mon -> Tue
    assert cal.workdays_between(date(2026, 3, 7), date(2026, 3, 8)) == 0  # Sat -> Sun
    assert cal.workdays_between(date(2026, 3, 10), date(2026, 3, 9)) == -1


@pytest.mark.parametrize("start", [date(2026, 2, 10), date(2026, 9, 18), date(2025, 9, 27)])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 10])
def test_add_and_between_agree(cal: WorkCalendar, start: date, n: int) -> None:
    assert cal.workdays_between(start, cal.add_workdays(start, n)) == n


def test_negative_n_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_workdays(date(2026, 3, 6), -1)


def test_deadline_from_is_end_of_day_in_same_zone(cal: WorkCalendar) -> None:
    moment = datetime(2026, 9, 30, 16, 30, tzinfo=SHANGHAI)
    assert cal.deadline_from(moment, 1) == datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
    assert cal.deadline_from(moment, 1).tzinfo is SHANGHAI
    assert cal.deadline_from(moment, 0) == datetime(2026, 9, 30, 23, 59, 59, tzinfo=SHANGHAI)
    naive = datetime(2026, 2, 13, 9, 0)
    assert cal.deadline_from(naive, 2) == datetime(2026, 2, 24, 23, 59, 59)


def test_default_calendar_is_shared() -> None:
    assert default_calendar() is default_calendar()


# --- imported years -------------------------------------------------------------------------

def test_without_an_import_new_year_2027_counts_as_a_working_day_and_warns(
        cal: WorkCalendar, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="schedules.workdays")
    assert cal.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 4)  # 29, 30, 31, 1, 4
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert "liandong calendar import" in warnings[0]


def test_an_imported_2027_skips_new_years_day(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="schedules.workdays")
    cal = WorkCalendar(overrides=NEW_YEAR_2027)
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.add_workdays(date(2026, 12, 28), 5) == date(2027, 1, 5)  # 29, 30, 31, 4, 5
    moment = datetime(2026, 12, 28, 10, 0, tzinfo=SHANGHAI)
    assert cal.deadline_from(moment, 5) == datetime(2027, 1, 5, 23, 59, 59, tzinfo=SHANGHAI)
    assert cal.workdays_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    assert not caplog.records, "an imported year is covered: no fallback warning"


def test_days_an_imported_year_does_not_list_follow_the_weekday_rule() -> None:
    cal = WorkCalendar(overrides=NEW_YEAR_2027)
    assert [cal.is_workday(date(2027, 1, d)) for d in range(1, 12)] == [
        False, False, False, True, True, True, True, True, False, False, True]


def test_an_imported_year_beats_the_package(cal: WorkCalendar) -> None:
    assert not cal.is_workday(date(2026, 10, 1)) and cal.is_workday(date(2026, 10, 10))
    imported = WorkCalendar(overrides=Overrides(frozenset({2026}), {
        date(2026, 10, 8): False, date(2026, 10, 11): True}))
    assert not imported.is_workday(date(2026, 10, 8))  # the package has it as a working day
    assert imported.is_workday(date(2026, 10, 11))  # a Sunday the import makes a working day
    assert imported.is_workday(date(2026, 10, 1))  # not listed: a Thursday works
    assert not imported.is_workday(date(2026, 10, 10))  # not listed: a Saturday is off
    assert imported.is_workday(date(2025, 10, 11)) == cal.is_workday(date(2025, 10, 11))


def test_a_make_up_day_of_the_previous_december_counts_in_a_package_year() -> None:
    cal = WorkCalendar(overrides=Overrides(frozenset({2027}), {date(2026, 12, 27): True}))
    assert cal.is_workday(date(2026, 12, 27))  # a Sunday
    assert not cal.is_workday(date(2026, 12, 26))  # the rest of 2026 is the package's
    assert cal.is_workday(date(2026, 12, 31))


def test_new_overrides_take_effect_at_once() -> None:
    cal = WorkCalendar()
    assert cal.is_workday(date(2027, 1, 1))
    cal.use_overrides(NEW_YEAR_2027)
    assert not cal.is_workday(date(2027, 1, 1)) and cal.overrides == NEW_YEAR_2027
    cal.use_overrides(Overrides())
    assert cal.is_workday(date(2027, 1, 1))


def test_uncovered_years_are_this_and_next_without_package_or_import() -> None:
    assert WorkCalendar().uncovered_years(date(2026, 11, 23)) == [2027]
    assert WorkCalendar().uncovered_years(date(2025, 6, 1)) == []
    assert WorkCalendar(overrides=NEW_YEAR_2027).uncovered_years(date(2026, 11, 23)) == []
    assert WorkCalendar(overrides=NEW_YEAR_2027).uncovered_years(date(2027, 3, 1)) == [2028]
    assert WorkCalendar().package_covers(2026) and not WorkCalendar().package_covers(2027)

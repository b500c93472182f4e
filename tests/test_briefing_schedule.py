"""Which briefings a working day brings: the weekly summary on the week's last working day, the
contest on the first working day from each tenth campaign day; old charts are cleaned away.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from schedules.briefing import contest_today, due_kinds, last_workday_of_week, remove_old_charts
from schedules.workdays import WorkCalendar
from storage.briefing_models import BriefingKind

HOLIDAY = date(2026, 11, 27)  # a Friday made a holiday for these tests


def calendar() -> WorkCalendar:
    return WorkCalendar(lookup=lambda day: day.weekday() < 5 and day != HOLIDAY)


def test_the_weekly_summary_comes_on_the_last_working_day_of_the_week():
    assert last_workday_of_week(calendar(), date(2026, 12, 4))  # an ordinary Friday
    assert not last_workday_of_week(calendar(), date(2026, 12, 3))
    assert last_workday_of_week(calendar(), date(2026, 11, 26))  # Thursday before the holiday


def test_the_contest_comes_on_the_first_working_day_from_each_tenth_campaign_day():
    start = date(2026, 11, 12)  # day 10 is Saturday 21 November
    assert not contest_today(calendar(), start, date(2026, 11, 20))  # day 9
    assert contest_today(calendar(), start, date(2026, 11, 23))  # Monday, day 12
    assert not contest_today(calendar(), start, date(2026, 11, 24))  # day 13: held already
    assert contest_today(calendar(), start, date(2026, 12, 1))  # day 20, a Tuesday
    assert not contest_today(calendar(), None, date(2026, 12, 1))  # no campaign start


def test_a_day_s_briefings_in_order_contest_weekly_daily():
    start = date(2026, 11, 25)  # day 10 is Friday 4 December
    assert due_kinds(calendar(), start, date(2026, 12, 4)) == [
        BriefingKind.CONTEST, BriefingKind.WEEKLY, BriefingKind.DAILY]
    assert due_kinds(calendar(), start, date(2026, 12, 2)) == [BriefingKind.DAILY]


def test_charts_older_than_a_week_are_removed(tmp_path):
    now = datetime(2026, 11, 23, 2, tzinfo=UTC)
    old, new = tmp_path / "old.png", tmp_path / "new.png"
    for path, age in ((old, timedelta(days=8)), (new, timedelta(days=6))):
        path.write_bytes(b"\x89PNG")
        moment = (now - age).timestamp()
        os.utime(path, (moment, moment))
    assert remove_old_charts(tmp_path, now) == 1
    assert not old.exists() and new.exists()
    assert remove_old_charts(tmp_path / "missing", now) == 0

"""Imported holiday schedules: reading the CSV, storing a year, overriding the package, listing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.calendar_cli import import_calendar, listing
from bot.i18n import Catalogs
from handlers.cases.deadlines import deadline_after
from schedules.runner import build_scheduler
from schedules.workdays import default_calendar, load_overrides, refresh_default_calendar
from storage.db import unit_of_work
from storage.work_calendar import CalendarDay, stored_days
from storage.work_calendar_read import CalendarError, CalendarFileError, read_schedule

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "calendar-2027.csv"
ZH, EN = Catalogs().translator("zh_CN"), Catalogs().translator("en")
SCHEDULE_2027 = ("# 2027: a test schedule", "日期,类型", "2027-01-01,休", "2027-02-05,假",
                 "2027-02-06,holiday", "2027-02-20,班", "2026-12-27,workday")


@pytest.fixture(autouse=True)
def _default_calendar_restored():
    """Imports here refresh the process-wide calendar; give other tests back what they had."""
    calendar = default_calendar()
    before = calendar.overrides
    yield
    calendar.use_overrides(before)


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def days_of(engine, year: int) -> dict[date, bool]:
    with unit_of_work(engine, read_only=True) as session:
        rows = session.exec(select(CalendarDay).where(CalendarDay.year == year)).all()
    return {row.day: row.workday for row in rows}


# --- reading a schedule ---------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "source"), [
    ("utf-8", "utf8"), ("utf-8-sig", "utf8_bom"), ("gb18030", "gb18030")])
def test_a_schedule_is_read_in_each_encoding(tmp_path, encoding, source) -> None:
    schedule = read_schedule(write(tmp_path / "2027年.csv", *SCHEDULE_2027, encoding=encoding))
    assert (schedule.year, schedule.encoding) == (2027, source)
    assert schedule.days == {date(2027, 1, 1): False, date(2027, 2, 5): False,
                             date(2027, 2, 6): False, date(2027, 2, 20): True,
                             date(2026, 12, 27): True}


def test_excel_dates_english_headers_the_notices_words_and_extra_columns(tmp_path) -> None:
    path = write(tmp_path / "s.csv", "Date,Type,说明", "2027/1/1,Holiday,元旦",
                 " 2027-2-7 , 放假 ,春节", "2027.02.20,上班,", ",,", "# done,,")
    assert read_schedule(path).days == {date(2027, 1, 1): False, date(2027, 2, 7): False,
                                        date(2027, 2, 20): True}


def test_every_bad_row_is_named_with_its_line_and_all_its_reasons(tmp_path) -> None:
    path = write(tmp_path / "bad.csv", "# comment", "日期,类型", "2027-01-01,休",
                 "2027-02-30,休", "2027-13-01,放", "2027-01-01,班", "2025-05-01,休",
                 ",班", "2027-03-01,", "2026-12-31,班", "2026-11-30,班")
    with pytest.raises(CalendarError) as caught:
        read_schedule(path)
    found = {row.row: [(r.key, dict(r.values)) for r in row.reasons]
             for row in caught.value.problems}
    assert found == {
        4: [("calendar.row.bad_date", {"value": "2027-02-30"})],
        5: [("calendar.row.bad_date", {"value": "2027-13-01"}),
            ("calendar.row.bad_type", {"value": "放"})],
        6: [("calendar.row.duplicate", {"day": "2027-01-01", "first": 3})],
        7: [("calendar.row.other_year", {"day": "2025-05-01", "year": 2027})],
        8: [("calendar.row.no_date", {})],
        9: [("calendar.row.no_type", {})],
        11: [("calendar.row.other_year", {"day": "2026-11-30", "year": 2027})],
    }


@pytest.mark.parametrize(("name", "content", "key"), [
    ("s.xlsx", "日期,类型\n2027-01-01,休\n", "calendar.file.type"),
    ("s.csv", "# only a comment\n", "calendar.file.empty"),
    ("s.csv", "日期,类型\n# no rows\n", "calendar.file.empty"),
    ("s.csv", "日期,说明\n2027-01-01,元旦\n", "calendar.file.missing_column"),
    ("s.csv", "日期,类型\n2027-01-01," + "休" * 200_000 + "\n", "calendar.file.unreadable"),
])
def test_a_file_that_is_no_schedule_is_refused_as_a_whole(tmp_path, name, content, key) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalendarFileError) as caught:
        read_schedule(path)
    assert [problem.key for problem in caught.value.problems] == [key]


def test_a_file_in_no_known_encoding_is_refused(tmp_path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(CalendarFileError) as caught:
        read_schedule(path)
    assert [problem.key for problem in caught.value.problems] == ["roster.file.encoding"]


def test_the_example_lists_only_the_statutory_days_of_2027() -> None:
    schedule = read_schedule(EXAMPLE)
    assert schedule.year == 2027 and not any(schedule.days.values())  # no 调休 guessed
    assert date(2027, 1, 1) in schedule.days and len(schedule.days) == 13
    header = EXAMPLE.read_text(encoding="utf-8").split("日期,类型")[0]
    assert "不是 2027 年的正式安排" in header and "NOT the official 2027 schedule" in header


# --- importing: all or nothing, a re-import replaces the year -------------------------------

def test_an_import_stores_the_year_and_says_what_it_did(engine, tmp_path) -> None:
    outcome = import_calendar(ZH, engine, write(tmp_path / "2027.csv", *SCHEDULE_2027), NOW)
    assert outcome.ok, outcome.text
    assert days_of(engine, 2027)[date(2027, 1, 1)] is False
    assert len(days_of(engine, 2027)) == 5
    assert outcome.text.splitlines()[0] == ZH(
        "calendar.report.imported", year=2027, file="2027.csv", source=ZH("roster.source.utf8"),
        days_off=3, workdays=2)
    assert "代替" not in outcome.text


def test_a_bad_file_imports_nothing_and_names_every_bad_row(engine, tmp_path) -> None:
    assert import_calendar(ZH, engine, write(tmp_path / "a.csv", *SCHEDULE_2027), NOW).ok
    bad = write(tmp_path / "b.csv", "日期,类型", "2027-10-01,休", "2027-10-32,休", "2027-10-09,X")
    outcome = import_calendar(EN, engine, bad, NOW)
    assert not outcome.ok
    assert outcome.text.splitlines() == [
        "nothing imported: 2 bad rows in b.csv",
        "  row 3: '2027-10-32' is not a valid date (use YYYY-MM-DD, e.g. 2027-01-01)",
        "  row 4: type 'X' is unknown (休, 假 or holiday for a day off; 班 or workday for a"
        " make-up working day)",
        "Fix them and import the file again."]
    assert date(2027, 10, 1) not in days_of(engine, 2027)
    assert len(days_of(engine, 2027)) == 5, "the earlier import of the year is untouched"


def test_a_reimport_replaces_that_year_only(engine, tmp_path) -> None:
    import_calendar(ZH, engine, write(tmp_path / "2026.csv", "日期,类型", "2026-10-08,休"), NOW)
    import_calendar(ZH, engine, write(tmp_path / "2027.csv", *SCHEDULE_2027), NOW)
    again = write(tmp_path / "2027-v2.csv", "日期,类型", "2027-01-01,休", "2027-02-07,班")
    outcome = import_calendar(ZH, engine, again, NOW)
    assert outcome.ok
    assert days_of(engine, 2027) == {date(2027, 1, 1): False, date(2027, 2, 7): True}
    assert days_of(engine, 2026) == {date(2026, 10, 8): False}
    assert ZH("calendar.report.replaced", year=2027, count=5) in outcome.text.splitlines()


def test_a_years_own_schedule_wins_over_its_neighbours(engine, tmp_path) -> None:
    import_calendar(ZH, engine, write(tmp_path / "2027.csv", *SCHEDULE_2027), NOW)
    import_calendar(ZH, engine, write(tmp_path / "2026.csv", "日期,类型", "2026-12-27,休"), NOW)
    with unit_of_work(engine, read_only=True) as session:
        years, days = stored_days(session)
    assert years == {2026, 2027} and days[date(2026, 12, 27)] is False


# --- the calendar the bot uses --------------------------------------------------------------

def test_a_deadline_across_new_year_skips_the_imported_holiday(engine, app, tmp_path) -> None:
    ctx = SimpleNamespace(services=app.services)
    start = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
    refresh_default_calendar(engine)
    assert deadline_after(ctx, start, 5) == datetime(2027, 1, 4, 15, 59, 59, tzinfo=UTC)
    assert import_calendar(ZH, engine, EXAMPLE, NOW).ok  # the import refreshes this process
    assert deadline_after(ctx, start, 5) == datetime(2027, 1, 5, 15, 59, 59, tzinfo=UTC)


def test_the_scheduled_refresh_picks_up_an_import_by_another_process(engine, app,
                                                                     tmp_path) -> None:
    refresh_default_calendar(engine)
    assert default_calendar().is_workday(date(2027, 1, 1))
    with unit_of_work(engine) as session:  # as `liandong calendar import` would, elsewhere
        session.add(CalendarDay(year=2027, day=date(2027, 1, 1), workday=False, source="x.csv",
                                imported_at=NOW))
    job = build_scheduler(app).get_job("calendar_refresh")
    assert job is not None and job.trigger.interval.total_seconds() == 5 * 60
    job.func()
    assert not default_calendar().is_workday(date(2027, 1, 1))
    assert load_overrides(engine) == default_calendar().overrides


def test_an_import_of_a_package_year_says_it_takes_precedence(engine, tmp_path) -> None:
    outcome = import_calendar(EN, engine, write(tmp_path / "2026.csv", "日期,类型",
                                                "2026-10-08,休"), NOW)
    assert EN("calendar.report.over_package", year=2026) in outcome.text.splitlines()
    assert not default_calendar().is_workday(date(2026, 10, 8))
    assert default_calendar().is_workday(date(2026, 10, 1)), "not listed: a Thursday works"


# --- `liandong calendar` -------------------------------------------------------------------

def test_the_listing_names_the_package_years_the_imports_and_the_gap(engine, tmp_path) -> None:
    before = listing(EN, engine, TODAY, SHANGHAI).splitlines()
    assert before[0] == "Years the working-day calendar knows:"
    assert before[1].startswith("  2004–2026: the chinesecalendar ")
    assert before[-1] == EN("calendar.uncovered", years="2027")
    import_calendar(EN, engine, write(tmp_path / "2027.csv", *SCHEDULE_2027), NOW)
    import_calendar(EN, engine, write(tmp_path / "2026.csv", "日期,类型", "2026-10-08,休"), NOW)
    after = listing(ZH, engine, TODAY, SHANGHAI).splitlines()
    assert after[2:] == [
        ZH("calendar.list.imported_over_package", year=2026, file="2026.csv",
           at="2026-11-23 10:00", days_off=1, workdays=0),
        ZH("calendar.list.imported", year=2027, file="2027.csv", at="2026-11-23 10:00",
           days_off=3, workdays=2)]

"""`liandong calendar`: import a year's holiday schedule and list the years the bot knows."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.admin import Outcome
from bot.i18n import Translator
from bot.roster_report import describe, describe_row
from schedules.workdays import (
    REFRESH_MINUTES,
    WorkCalendar,
    default_calendar,
    load_overrides,
    refresh_default_calendar,
)
from storage.db import unit_of_work
from storage.work_calendar import ImportResult, StoredYear, import_schedule, stored_years
from storage.work_calendar_read import CalendarError, CalendarFileError, read_schedule

PACKAGE = "chinesecalendar"
FIRST_PROBED_YEAR = 1900


def rejected(t: Translator, path: Path, error: CalendarError | CalendarFileError) -> str:
    """Why nothing was imported: the file's faults, or every bad row with all its reasons."""
    if isinstance(error, CalendarFileError):
        lines = [t("calendar.report.file_rejected", file=path.name)]
        lines += ["  " + describe(t, item) for item in error.problems]
        return "\n".join(lines)
    lines = [t("calendar.report.rejected", file=path.name, count=len(error.problems))]
    lines += ["  " + describe_row(t, row) for row in error.problems]
    lines.append(t("calendar.report.hint"))
    return "\n".join(lines)


def imported(t: Translator, path: Path, result: ImportResult, over_package: bool) -> str:
    """What the import stored, what it replaced, and when a running bot sees it."""
    lines = [t("calendar.report.imported", year=result.year, file=path.name,
               source=t(f"roster.source.{result.encoding}"), days_off=result.days_off,
               workdays=result.workdays)]
    if result.replaced:
        lines.append(t("calendar.report.replaced", year=result.year, count=result.replaced))
    if over_package:
        lines.append(t("calendar.report.over_package", year=result.year))
    lines.append(t("calendar.report.running_bot", minutes=REFRESH_MINUTES))
    return "\n".join(lines)


def import_calendar(t: Translator, engine: Engine, path: Path, now: datetime) -> Outcome:
    """Check the whole file, then store it in one transaction and use it in this process."""
    try:
        schedule = read_schedule(path)
    except (CalendarError, CalendarFileError) as error:
        return Outcome(False, rejected(t, path, error))
    with unit_of_work(engine) as session:
        result = import_schedule(session, schedule, path.name, now)
    refresh_default_calendar(engine)
    return Outcome(True, imported(t, path, result,
                                  default_calendar().package_covers(result.year)))


def _spans(years: list[int]) -> list[str]:
    """Sorted years as runs: [2004, 2005, 2006, 2010] -> ['2004–2006', '2010']."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return [f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]


def _package_version() -> str:
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "?"


def _imported_line(t: Translator, year: StoredYear, calendar: WorkCalendar, tz: tzinfo) -> str:
    key = "calendar.list.imported_over_package" if calendar.package_covers(year.year) \
        else "calendar.list.imported"
    return t(key, year=year.year, file=year.source, days_off=year.days_off,
             workdays=year.workdays,
             at=year.imported_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))


def listing(t: Translator, engine: Engine, today: date, tz: tzinfo) -> str:
    """The years the bot knows, from the package and from imports; this and next year if not."""
    calendar = WorkCalendar(overrides=load_overrides(engine))
    with unit_of_work(engine, read_only=True) as session:
        stored = stored_years(session)
    package = [year for year in range(FIRST_PROBED_YEAR, today.year + 10)
               if calendar.package_covers(year)]
    sep = t("common.list_sep")
    lines = [t("calendar.list.header")]
    if package:
        lines.append(t("calendar.list.package", years=sep.join(_spans(package)),
                       package=PACKAGE, version=_package_version()))
    lines += [_imported_line(t, year, calendar, tz) for year in stored]
    gaps = calendar.uncovered_years(today)
    if gaps:
        lines.append(t("calendar.uncovered", years=sep.join(map(str, gaps))))
    return "\n".join(lines)

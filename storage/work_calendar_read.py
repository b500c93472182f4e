"""Reading one year's holiday schedule: a CSV of 日期,类型 rows (UTF-8 or GB18030), row by row."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from storage.roster_problems import Problem, RosterFileError, RowProblem, problem
from storage.roster_read import decode_csv

COL_DATE, COL_TYPE = "日期", "类型"
COLUMNS = {"日期": COL_DATE, "date": COL_DATE, "类型": COL_TYPE, "type": COL_TYPE}
DAY_OFF = ("休", "假", "holiday", "放假")  # the notices' own words are accepted too
WORKING = ("班", "workday", "上班", "补班")
KINDS = {**dict.fromkeys(DAY_OFF, False), **dict.fromkeys(WORKING, True)}
DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")  # 2027-01-01; Excel's 2027/1/1
COMMENT = "#"


@dataclass(frozen=True)
class Schedule:
    """One year's schedule: the days it lists (True = make-up working day) and its encoding.

    It may also list days of the previous December (a notice can name make-up working days
    there).
    """

    year: int
    days: dict[date, bool]
    encoding: str


class CalendarFileError(Exception):
    """The file as a whole cannot be read as a schedule (type, encoding, columns, no rows)."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.key for p in self.problems))


class CalendarError(Exception):
    """Rows that cannot be imported; `problems` lists every bad row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = list(problems)
        rows = ", ".join(str(p.row) for p in self.problems)
        super().__init__(f"{len(self.problems)} bad row(s) in the schedule: {rows}")


@dataclass(frozen=True)
class Entry:
    """A data row: its line number, the date and kind when they parse, and what is wrong."""

    row: int
    day: date | None
    workday: bool | None
    reasons: tuple[Problem, ...]


def _lines(text: str) -> list[tuple[int, list[str]]]:
    """Numbered rows without comments (# …) and blank lines; numbers are the file's lines."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [cell.strip() for cell in next(csv.reader([line]), [])]
        if any(cells) and not cells[0].startswith(COMMENT):
            rows.append((number, cells))
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    """Where the date and type columns are; a missing one is a file problem."""
    found = {}
    for index, title in enumerate(header):
        column = COLUMNS.get(title.lower())
        if column is not None:
            found.setdefault(column, index)
    missing = [column for column in (COL_DATE, COL_TYPE) if column not in found]
    if missing:
        raise CalendarFileError(*(problem("calendar.file.missing_column", column=column)
                                  for column in missing))
    return found


def _date(value: str) -> tuple[date | None, Problem | None]:
    if not value:
        return None, problem("calendar.row.no_date")
    match = DATE.match(value)
    try:
        if match:
            return date(*map(int, match.groups())), None
    except ValueError:  # 2027-02-30
        pass
    return None, problem("calendar.row.bad_date", value=value)


def _kind(value: str) -> tuple[bool | None, Problem | None]:
    if not value:
        return None, problem("calendar.row.no_type")
    kind = KINDS.get(value.lower())
    if kind is None:
        return None, problem("calendar.row.bad_type", value=value)
    return kind, None


def _entry(row: int, cells: list[str], columns: dict[str, int]) -> Entry:
    def cell(column: str) -> str:
        index = columns[column]
        return cells[index] if index < len(cells) else ""

    day, date_problem = _date(cell(COL_DATE))
    workday, kind_problem = _kind(cell(COL_TYPE))
    return Entry(row, day, workday, tuple(p for p in (date_problem, kind_problem) if p))


def _year(entries: list[Entry]) -> int:
    """The schedule's year: the one most dates fall in (the later one on a tie)."""
    counts = Counter(entry.day.year for entry in entries if entry.day)
    return max(counts, key=lambda year: (counts[year], year)) if counts else 0


def _belongs(day: date, year: int) -> bool:
    return day.year == year or (day.year == year - 1 and day.month == 12)


def _checked(entries: list[Entry], year: int) -> list[RowProblem]:
    """Every bad row with all its reasons: unreadable, a repeated date, a date of another year."""
    first: dict[date, int] = {}
    bad = []
    for entry in entries:
        reasons = list(entry.reasons)
        if entry.day and entry.day in first:
            reasons.append(problem("calendar.row.duplicate", day=entry.day.isoformat(),
                                   first=first[entry.day]))
        elif entry.day and not _belongs(entry.day, year):
            reasons.append(problem("calendar.row.other_year", day=entry.day.isoformat(),
                                   year=year))
        if entry.day:
            first.setdefault(entry.day, entry.row)
        if reasons:
            bad.append(RowProblem(entry.row, tuple(reasons)))
    return bad


def _text(path: Path) -> tuple[str, str]:
    if path.suffix.lower() != ".csv":
        raise CalendarFileError(problem("calendar.file.type", file=path.name,
                                        suffix=path.suffix.lower()))
    try:
        return decode_csv(path.read_bytes(), path.name)
    except RosterFileError as error:  # the roster's reader names the encoding problem
        raise CalendarFileError(*error.problems) from None
    except OSError as exc:
        raise CalendarFileError(problem("calendar.file.unreadable", file=path.name,
                                        error=exc.strerror or str(exc))) from None


def read_schedule(path: Path) -> Schedule:
    """Read and check a schedule file: all of it is good, or CalendarError lists every bad row."""
    path = Path(path)
    text, encoding = _text(path)
    try:
        rows = _lines(text)
    except csv.Error as exc:  # a field past the csv module's limit: not a schedule
        raise CalendarFileError(problem("calendar.file.unreadable", file=path.name,
                                        error=str(exc))) from None
    if not rows:
        raise CalendarFileError(problem("calendar.file.empty", file=path.name))
    columns = _columns(rows[0][1])
    entries = [_entry(number, cells, columns) for number, cells in rows[1:]]
    if not entries:
        raise CalendarFileError(problem("calendar.file.empty", file=path.name))
    year = _year(entries)
    bad = _checked(entries, year)
    if bad:
        raise CalendarError(bad)
    return Schedule(year, {entry.day: entry.workday for entry in entries}, encoding)

"""Imported holiday schedules (one year each) for the working-day calendar: table and queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, select

from storage.work_calendar_read import Schedule


class CalendarDay(SQLModel, table=True):
    """A day an imported schedule lists: a day off (休) or a make-up working day (班).

    `year` is the schedule's; it may list a make-up day of the previous December, so the
    same date can appear under two years.
    """

    __tablename__ = "work_calendar_day"

    year: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    workday: bool
    source: str = Field(max_length=255)
    imported_at: datetime


@dataclass(frozen=True)
class ImportResult:
    """What an import stored, and how many days of the year's previous schedule it replaced."""

    year: int
    days_off: int
    workdays: int
    replaced: int
    encoding: str


@dataclass(frozen=True)
class StoredYear:
    """An imported year: its file, when, and how many days off and make-up working days."""

    year: int
    source: str
    imported_at: datetime
    days_off: int
    workdays: int


def import_schedule(session: Session, schedule: Schedule, source: str,
                    now: datetime) -> ImportResult:
    """Store a year's schedule in place of the one imported before (in the caller's
    transaction, so all or nothing).
    """
    replaced = session.exec(delete(CalendarDay).where(CalendarDay.year == schedule.year))
    session.add_all(CalendarDay(year=schedule.year, day=day, workday=workday,
                                source=source[:255], imported_at=now)
                    for day, workday in sorted(schedule.days.items()))
    session.flush()
    working = sum(schedule.days.values())
    return ImportResult(schedule.year, len(schedule.days) - working, working,
                        replaced.rowcount or 0, schedule.encoding)


def stored_days(session: Session) -> tuple[frozenset[int], dict[date, bool]]:
    """The imported years and every day they list; a year's own days win over a neighbour's."""
    rows = session.exec(select(CalendarDay.year, CalendarDay.day, CalendarDay.workday)).all()
    own_last = sorted(rows, key=lambda row: (row.day.year == row.year, row.year, row.day))
    return frozenset(row.year for row in rows), {row.day: row.workday for row in own_last}


def stored_years(session: Session) -> list[StoredYear]:
    """One summary per imported year, oldest year first."""
    years: dict[int, StoredYear] = {}
    for row in session.exec(select(CalendarDay).order_by(CalendarDay.year, CalendarDay.day)):
        seen = years.get(row.year) or StoredYear(row.year, row.source, row.imported_at, 0, 0)
        years[row.year] = StoredYear(row.year, seen.source, seen.imported_at,
                                     seen.days_off + (not row.workday),
                                     seen.workdays + row.workday)
    return list(years.values())

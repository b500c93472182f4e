"""The 问题清单 workbook: one row per case, streamed, and a summary by department and by area."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from bot.i18n import Catalogs, Translator
from handlers.cases.render import days_overdue
from storage.case_models import Case, CaseReporter, CaseStatus, Satisfaction
from storage.case_stats import ACTIVE
from storage.models import Area, Department, Group, Person
from storage.xlsx_stream import Column, PageSetup, SheetWriter, Workbook

BATCH = 5000
# (field, width in characters, wraps): the columns of the 问题清单, in order.
COLUMNS = (
    ("number", 12, False), ("area", 20, True), ("township", 10, False),
    ("description", 50, True), ("reporters", 16, True), ("group", 22, True),
    ("department", 24, True), ("assigned", 12, False), ("deadline", 12, False),
    ("status", 10, False), ("overdue", 9, False), ("progress", 40, True),
    ("verdict", 10, False), ("closed", 12, False),
)
# The summary's counts: the total, then the parts it splits into (every case is in one), then
# after an empty column the "of which" figures, which are not to be added to the parts.
PARTS = ("closed", "open", "rejected", "merged")
SUMMARY = ("total", *PARTS)
OF_WHICH = ("overdue", "fixed_late")
PART_OF_STATUS = {CaseStatus.CLOSED: "closed", CaseStatus.REJECTED: "rejected",
                  CaseStatus.MERGED: "merged"}
SUMMARY_SECTIONS = ("by_department", "by_area")
# Every key the workbook builds: catalog views.export.col.<name> and views.export.summary.<key>.
COLUMN_NAMES = (*(name for name, _, _ in COLUMNS), "department", "area")
SUMMARY_KEYS = (*SUMMARY, *OF_WHICH, *SUMMARY_SECTIONS, "unassigned", "all")
SUMMARY_COLUMNS = (Column(30, wrap=True), *(Column(10) for _ in SUMMARY), Column(2),
                   *(Column(14, wrap=True) for _ in OF_WHICH))
CASES_PAGE = PageSetup(landscape=True, repeat_header=True)
SUMMARY_PAGE = PageSetup()
CASE_FIELDS = (Case.id, Case.number, Case.area_id, Case.township, Case.description,
               Case.group_id, Case.department_id, Case.assigned_at, Case.deadline, Case.status,
               Case.progress_note, Case.satisfaction, Case.closed_at, Case.rectified_at)


@dataclass
class Tally:
    """Counts of cases per department and per area: the total, its parts (closed, open,
    rejected, merged) and, of those, overdue still with the department or fixed late.
    """

    by_department: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    by_area: defaultdict = field(default_factory=lambda: defaultdict(Counter))

    def add(self, department_id: int | None, area_id: int, status: str, late: int) -> None:
        """Count one case."""
        part = PART_OF_STATUS.get(status, "open")
        lateness = ("overdue" if status in ACTIVE else "fixed_late") if late else None
        for counts in (self.by_department[department_id], self.by_area[area_id]):
            counts["total"] += 1
            counts[part] += 1
            if lateness:
                counts[lateness] += 1


class ReporterNames:
    """Reporter names per case from a stream ordered by case id, read alongside the cases."""

    def __init__(self, session: Session, separator: str) -> None:
        rows = session.execute(
            select(CaseReporter.case_id, Person.name)
            .join(Person, Person.id == CaseReporter.person_id)
            .order_by(CaseReporter.case_id, CaseReporter.joined_at, CaseReporter.person_id)
            .execution_options(yield_per=BATCH))
        self.pairs: Iterator[tuple[int, str]] = (
            (case_id, separator.join(name for _, name in group))
            for case_id, group in groupby(rows, key=itemgetter(0)))
        self.current = next(self.pairs, None)

    def of(self, case_id: int) -> str:
        """The names for `case_id`; cases must be asked for in ascending id order."""
        while self.current is not None and self.current[0] < case_id:
            self.current = next(self.pairs, None)
        return self.current[1] if self.current and self.current[0] == case_id else ""


@dataclass
class Export:
    """What every row needs, loaded once: names by id, labels, the time zone and now."""

    t: Translator
    now: datetime
    tz: tzinfo
    areas: dict[int, str]
    departments: dict[int, str]
    groups: dict[int, str]
    tally: Tally = field(default_factory=Tally)

    def __post_init__(self) -> None:
        self.statuses = {s.value: self.t(f"case.status.{s.value}") for s in CaseStatus}
        self.verdicts = {v.value: self.t(f"case.verdict.{v.value}") for v in Satisfaction}

    def day(self, moment: datetime | None) -> date | None:
        """A stored UTC time as a local date."""
        return moment.astimezone(self.tz).date() if moment else None

    def row(self, case: tuple, reporters: str) -> tuple:
        """The cells of one case (a row of CASE_FIELDS), counted in the tally on the way."""
        (_, number, area_id, township, description, group_id, department_id, assigned_at,
         deadline, status, progress_note, satisfaction, closed_at, rectified_at) = case
        late = days_overdue(deadline, status, self.now, rectified_at)
        self.tally.add(department_id, area_id, status, late)
        closed = self.day(closed_at) if status == CaseStatus.CLOSED else None
        return (number, self.areas.get(area_id), township, description, reporters,
                self.groups.get(group_id), self.departments.get(department_id),
                self.day(assigned_at), self.day(deadline), self.statuses.get(status, status),
                late or None, progress_note, self.verdicts.get(satisfaction or ""), closed)


def load_names(session: Session, t: Translator, now: datetime, tz: tzinfo) -> Export:
    """Names of areas (in the export's language), departments and groups, each read once."""
    area_name = Area.name_en if t.locale == "en" else Area.name_zh
    return Export(
        t, now, tz,
        areas=dict(session.execute(select(Area.id, area_name).order_by(Area.position,
                                                                       Area.id)).all()),
        departments=dict(session.execute(select(Department.id, Department.name)
                                         .order_by(Department.id)).all()),
        groups=dict(session.execute(select(Group.id, Group.name)).all()),
    )


def export_cases(session: Session, path: Path, now: datetime, tz: tzinfo,
                 locale: str = "zh_CN") -> int:
    """Write the 问题清单 workbook to `path`; the number of case rows written."""
    t = Catalogs(locale).translator(locale)
    export = load_names(session, t, now, tz)
    columns = [Column(width, wrap) for _, width, wrap in COLUMNS]
    with Workbook(path) as book:
        with book.sheet(t("views.export.sheet_cases"), columns, autofilter=True,
                        page=CASES_PAGE) as sheet:
            sheet.append([t(f"views.export.col.{name}") for name, _, _ in COLUMNS], bold=True)
            count = write_cases(session, sheet, export)
        with book.sheet(t("views.export.sheet_summary"), SUMMARY_COLUMNS, False,
                        page=SUMMARY_PAGE) as sheet:
            write_summary(sheet, export)
    return count


def write_cases(session: Session, sheet: SheetWriter, export: Export) -> int:
    """Stream every case, oldest first, into the sheet."""
    reporters = ReporterNames(session, export.t("common.list_sep"))
    rows = session.execute(select(*CASE_FIELDS).order_by(Case.id)
                           .execution_options(yield_per=BATCH))
    count = 0
    for case in rows:
        sheet.append(export.row(case, reporters.of(case[0])))
        count += 1
    return count


def write_summary(sheet: SheetWriter, export: Export) -> None:
    """Totals by department (plus the cases no department has yet), then by area, then a note
    on how the columns add up.
    """
    t, tally = export.t, export.tally
    departments = dict(export.departments)
    if None in tally.by_department:
        departments[None] = t("views.export.summary.unassigned")
    _section(sheet, t, "by_department", "department", departments, tally.by_department)
    sheet.append(())
    _section(sheet, t, "by_area", "area", export.areas, tally.by_area)
    sheet.append(())
    for line in t("views.export.summary_note").splitlines():
        sheet.append([line], plain=True)


def summary_cells(counts: Counter) -> list:
    """The total, its parts, an empty separator, then the "of which" figures."""
    return [*(counts[k] for k in SUMMARY), None, *(counts[k] for k in OF_WHICH)]


def _section(sheet: SheetWriter, t: Translator, title: str, column: str,
             names: dict, counts: dict) -> None:
    sheet.append([t(f"views.export.summary.{title}")], bold=True)
    sheet.append([t(f"views.export.col.{column}"),
                  *(t(f"views.export.summary.{k}") for k in SUMMARY), None,
                  *(t(f"views.export.summary.{k}") for k in OF_WHICH)], bold=True)
    total: Counter = Counter()
    for key, name in names.items():
        row = counts.get(key, Counter())
        total.update(row)
        sheet.append([name, *summary_cells(row)])
    sheet.append([t("views.export.summary.all"), *summary_cells(total)], bold=True)

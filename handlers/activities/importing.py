"""`liandong events import FILE`: several activities from an XLSX (or CSV) sheet, all or
nothing; every bad row is named with all its reasons, as the roster import does.

Columns (header row): 类型, 名称, 开始, 结束, 地点, 名额 (optional), 报名截止 (optional),
组织人 (the organiser's phone), 小组 (group names, separated by 、 or ;), 备注 (optional).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlmodel import Session, select

from bot.core.context import Services
from bot.core.numbers import parse_int
from handlers.activities import pushes
from handlers.activities.times import parse_moment
from storage import activities, people
from storage.activity_models import ActivityKind
from storage.models import Group, Membership, Person, Role
from storage.roster_problems import Problem, RosterError, RosterFileError, RowProblem, problem
from storage.roster_read import decode_csv

COLUMNS = ("类型", "名称", "开始", "结束", "地点", "名额", "报名截止", "组织人", "小组", "备注")
REQUIRED = ("类型", "名称", "开始", "结束", "地点", "组织人", "小组")
HEADER_SEARCH = 5  # how many top rows may hold the header
SPLIT = re.compile(r"[、;；,，]")


@dataclass(frozen=True)
class Planned:
    """A good row: the activity's fields and the groups it invites."""

    fields: dict
    group_ids: list[int]


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.strip() if isinstance(value, str) else value


def read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(row number, the row keyed by header) of the data rows; RosterFileError when the
    file as a whole cannot be read.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            book = load_workbook(path, read_only=True, data_only=True)
            table = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
        elif suffix == ".csv":
            text, _ = decode_csv(path.read_bytes(), path.name)
            table = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
        else:
            raise RosterFileError(problem("roster.file.type", file=path.name, suffix=suffix))
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise RosterFileError(problem("roster.file.not_xlsx", file=path.name)) from exc
    at = header_at(table)
    header = [str(_cell(v) or "") for v in table[at]] if table else []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterFileError(*(problem("roster.file.missing_column", column=c) for c in missing))
    rows = [(number, {k: _cell(v) for k, v in zip(header, values, strict=False) if k})
            for number, values in enumerate(table[at + 1:], start=at + 2)]
    while rows and not any(v not in (None, "") for v in rows[-1][1].values()):
        rows.pop()
    return rows


def header_at(table: list[list[object]]) -> int:
    """Where the header row is: the first of the top rows naming every required column (an
    office's sheet often has a title, merged across the columns, above it); else the first.
    """
    for index, values in enumerate(table[:HEADER_SEARCH]):
        names = {str(_cell(v) or "") for v in values}
        if all(column in names for column in REQUIRED):
            return index
    return 0


class RowReader:
    """Checks one row against the database and the clock, collecting every reason."""

    def __init__(self, session: Session, services: Services) -> None:
        self.session, self.now = session, services.clock.utcnow()
        self.zone = services.settings.tz
        self.kinds = {services.catalogs.translator("zh_CN")(f"events.kind.{k.value}"): k.value
                      for k in ActivityKind}
        self.reasons: list[Problem] = []

    def _bad(self, key: str, **values) -> None:
        self.reasons.append(problem(key, **values))

    def moment(self, value: object, column: str) -> datetime | None:
        if isinstance(value, datetime):
            local = value if value.tzinfo else value.replace(tzinfo=self.zone)
            return local.astimezone(UTC)
        text = str(value or "")
        found = parse_moment(text, self.now.astimezone(self.zone).date(), self.zone) \
            if text else None
        if found is None:
            self._bad("events.import.time", column=column, value=text[:30])
        return found

    def read(self, row: dict) -> Planned | None:
        self.reasons = []
        kind = self.kinds.get(str(row.get("类型") or ""))
        if kind is None:
            self._bad("events.import.kind", value=str(row.get("类型") or "")[:20],
                      kinds=list(self.kinds))
        title = str(row.get("名称") or "")
        if not 2 <= len(title) <= 100:
            self._bad("events.import.title")
        start, end = self.moment(row.get("开始"), "开始"), self.moment(row.get("结束"), "结束")
        if start and start <= self.now:
            self._bad("events.start_past")
        if start and end and end <= start:
            self._bad("events.end_before_start")
        capacity = self._capacity(row.get("名额"))
        deadline = self.moment(row.get("报名截止"), "报名截止") if row.get("报名截止") else None
        if deadline and start and not self.now < deadline <= start:
            self._bad("events.deadline_range")
        organiser = self._organiser(str(row.get("组织人") or ""))
        group_ids = self._groups(str(row.get("小组") or ""), organiser)
        if self.reasons:
            return None
        return Planned({"kind": kind, "title": title, "start_at": start, "end_at": end,
                        "place": str(row.get("地点") or "")[:200], "capacity": capacity,
                        "signup_deadline": deadline, "organiser_id": organiser.id,
                        "notes": str(row.get("备注") or "")}, group_ids)

    def _capacity(self, value: object) -> int | None:
        if value in (None, ""):
            return None
        number = parse_int(str(value).removesuffix("人"), 1, 100_000)
        if number is None:
            self._bad("events.capacity_positive")
        return number

    def _organiser(self, phone: str) -> Person | None:
        person = self.session.exec(select(Person).where(Person.phone == phone,
                                                        Person.active)).first()
        if person is None:
            self._bad("events.import.organiser", phone=phone[:20])
        return person

    def _groups(self, names: str, organiser: Person | None) -> list[int]:
        wanted = [n.strip() for n in SPLIT.split(names) if n.strip()]
        found = {g.name: g.id for g in self.session.exec(
            select(Group).where(Group.name.in_(wanted))).all()}
        unknown = [n for n in wanted if n not in found]
        if not wanted or unknown:
            self._bad("events.import.groups", names=unknown or [names[:30]])
        if organiser is not None and found and not self._may_invite(organiser, found.values()):
            self._bad("events.group_not_yours")
        return list(found.values())

    def _may_invite(self, organiser: Person, group_ids) -> bool:
        if Role.STAFF in people.effective_roles(self.session, organiser):
            return True
        led = set(self.session.exec(select(Membership.group_id).where(
            Membership.person_id == organiser.id, Membership.is_leader)).all())
        return set(group_ids) <= led


def import_activities(session: Session, services: Services, path: Path) -> int:
    """Create every activity of the file and queue its invitations, or none (RosterError with
    every bad row); how many were created.
    """
    reader, planned, bad = RowReader(session, services), [], []
    for number, row in read_rows(path):
        if not any(v not in (None, "") for v in row.values()):
            continue
        plan = reader.read(row)
        if plan is None:
            bad.append(RowProblem(number, tuple(reader.reasons)))
        else:
            planned.append(plan)
    if bad:
        raise RosterError(bad)
    for plan in planned:
        activity = activities.create(session, services.clock.utcnow(), **plan.fields)
        activities.invite_groups(session, activity, plan.group_ids)
        pushes.invite_all(session, services, activity)
    return len(planned)

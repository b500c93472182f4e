"""Roster import from CSV or XLSX: check every row first, then create or update people."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlmodel import Session, select

from storage.invites import issue
from storage.models import Area, Department, Group, GroupKind, Liaison, Membership, Person, Role
from storage.people import grant
from storage.roster_rules import (
    COL_PHONE,
    COL_WECOM,
    REQUIRED_COLUMNS,
    RosterRow,
    RowProblem,
    department_short_name,
    group_kind,
    normalize_phone,
    parse_row,
)

__all__ = ["ImportResult", "RosterError", "RowProblem", "import_roster", "read_rows"]

CHUNK = 500  # keeps IN (...) lists well under every database's parameter limit


@dataclass(frozen=True)
class ImportResult:
    """What an import did: people created and updated, rows skipped, invites issued."""

    created: int
    updated: int
    skipped: list[RowProblem]
    invites_issued: int


class RosterError(Exception):
    """The roster cannot be imported as it is; `problems` lists every bad row."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = list(problems)
        lines = [f"row {p.row}: {p.reason}" for p in self.problems]
        super().__init__(f"{len(self.problems)} problem(s) in the roster: " + "; ".join(lines))


def _cell(value: object) -> str:
    """A spreadsheet value as stripped text; whole floats (Excel phone numbers) lose the .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [list(record) for record in csv.reader(handle)]


def _read_xlsx(path: Path) -> list[list[object]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(values) for values in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _read_table(path: Path) -> list[list[object]]:
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx}
    suffix = path.suffix.lower()
    if suffix not in readers:
        raise RosterError([RowProblem(0, f"unsupported file type '{suffix}' (use .csv or .xlsx)")])
    try:
        return readers[suffix](path)
    except (OSError, UnicodeDecodeError, csv.Error, zipfile.BadZipFile,
            InvalidFileException) as exc:
        raise RosterError([RowProblem(0, f"cannot read {path.name}: {exc}")]) from exc


def read_rows(path: Path) -> list[dict[str, str]]:
    """The data rows keyed by header; blank rows stay (all empty) so index + 2 is the row number."""
    table = _read_table(Path(path))
    header = [_cell(value) for value in table[0]] if table else []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise RosterError([RowProblem(1, f"missing column {column}") for column in missing])
    rows = [{key: _cell(value) for key, value in zip_longest(header, values) if key}
            for values in table[1:]]
    while rows and not any(rows[-1].values()):
        rows.pop()
    return rows


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _duplicates(row_no: int, row: dict[str, str], seen: dict[str, dict[str, int]],
                wecom_owner: dict[str, str]) -> list[str]:
    """Phone or WeCom account repeated in the file, or a WeCom account owned by someone else."""
    problems = []
    phone, wecom = normalize_phone(row.get(COL_PHONE, "")), row.get(COL_WECOM, "").strip()
    if phone and phone in seen["phone"]:
        problems.append(f"duplicate phone {phone} (first on row {seen['phone'][phone]})")
    if wecom and wecom in seen["wecom"]:
        problems.append(f"duplicate wecom account '{wecom}' (first on row {seen['wecom'][wecom]})")
    elif wecom and wecom_owner.get(wecom, phone) != phone:
        problems.append(f"wecom account '{wecom}' already belongs to another person")
    if phone:
        seen["phone"].setdefault(phone, row_no)
    if wecom:
        seen["wecom"].setdefault(wecom, row_no)
    return problems


def check_rows(session: Session,
               rows: list[dict[str, str]]) -> tuple[list[RosterRow], list[RowProblem]]:
    """Every row checked: the good ones parsed, the bad ones as problems (one per row)."""
    known_groups = set(session.exec(select(Group.name)).all())
    wecom_owner = dict(session.exec(
        select(Person.wecom_userid, Person.phone).where(Person.wecom_userid.is_not(None))).all())
    seen: dict[str, dict[str, int]] = {"phone": {}, "wecom": {}}
    good, problems = [], []
    for index, row in enumerate(rows):
        if not any(row.values()):
            continue
        row_no = index + 2
        parsed, reasons = parse_row(row_no, row, known_groups)
        reasons += _duplicates(row_no, row, seen, wecom_owner)
        if reasons:
            problems.append(RowProblem(row_no, "; ".join(reasons)))
        else:
            good.append(parsed)
    return good, problems


def _area_for(name: str, areas: Iterable[Area]) -> int | None:
    return next((area.id for area in areas if name.startswith(area.name_zh)), None)


def _ensure_groups(session: Session, names: set[str]) -> dict[str, Group]:
    """The named groups, creating missing ones with the kind their name implies."""
    groups = {g.name: g for chunk in _chunks(sorted(names))
              for g in session.exec(select(Group).where(Group.name.in_(chunk))).all()}
    areas = session.exec(select(Area).order_by(Area.position)).all()
    for name in sorted(names - groups.keys()):
        kind, township = group_kind(name)
        area_id = _area_for(name, areas) if kind == GroupKind.TASK_SQUAD else None
        groups[name] = Group(name=name, kind=kind.value, township=township, area_id=area_id)
        session.add(groups[name])
    session.flush()
    return groups


def _ensure_departments(session: Session, names: set[str]) -> dict[str, Department]:
    """The named departments, creating missing ones with a short name."""
    found = {d.name: d for chunk in _chunks(sorted(names))
             for d in session.exec(select(Department).where(Department.name.in_(chunk))).all()}
    for name in sorted(names - found.keys()):
        found[name] = Department(name=name, short_name=department_short_name(name))
        session.add(found[name])
    session.flush()
    return found


def _apply(person: Person, row: RosterRow) -> None:
    person.name, person.township = row.name, row.township
    person.level = row.level.value if row.level else None
    if row.wecom_userid:
        person.wecom_userid = row.wecom_userid


def _upsert_people(session: Session, rows: list[RosterRow],
                   now: datetime) -> tuple[dict[str, Person], list[Person]]:
    """People matched by phone are updated, the rest created; returns phone → person, new ones."""
    phones = [row.phone for row in rows]
    people = {p.phone: p for chunk in _chunks(phones)
              for p in session.exec(select(Person).where(Person.phone.in_(chunk))).all()}
    created = []
    for row in rows:
        person = people.get(row.phone)
        if person is None:
            person = people[row.phone] = Person(name=row.name, phone=row.phone, created_at=now)
            created.append(person)
        _apply(person, row)
        session.add(person)
    session.flush()
    return people, created


def _link_groups(session: Session, rows: list[RosterRow], people: dict[str, Person],
                 groups: dict[str, Group]) -> None:
    """Add the listed memberships and leader flags; existing ones are kept, never removed."""
    ids = [people[row.phone].id for row in rows]
    existing = {(m.person_id, m.group_id): m for chunk in _chunks(ids) for m in session.exec(
        select(Membership).where(Membership.person_id.in_(chunk))).all()}
    for row in rows:
        for name in row.groups:
            key = (people[row.phone].id, groups[name].id)
            member = existing.get(key)
            if member is None:
                member = existing[key] = Membership(person_id=key[0], group_id=key[1])
            member.is_leader = member.is_leader or name in row.leader_of
            session.add(member)


def _link_roles(session: Session, rows: list[RosterRow], people: dict[str, Person],
                departments: dict[str, Department]) -> None:
    """Add staff and leadership grants and liaison duties (idempotent)."""
    for row in rows:
        person_id = people[row.phone].id
        if row.staff:
            grant(session, person_id, Role.STAFF)
        if row.leadership:
            grant(session, person_id, Role.LEADERSHIP)
        for name in row.departments:
            key = (person_id, departments[name].id)
            if session.get(Liaison, key) is None:
                session.add(Liaison(person_id=key[0], department_id=key[1]))


def write_rows(session: Session, rows: list[RosterRow], now: datetime,
               invite_days: int) -> tuple[int, int]:
    """Write checked rows; new people get an invite. Returns (created, updated)."""
    groups = _ensure_groups(session, {name for row in rows for name in row.groups})
    departments = _ensure_departments(session, {d for row in rows for d in row.departments})
    people, created = _upsert_people(session, rows, now)
    for person in created:
        issue(session, person.id, now, invite_days)
    _link_groups(session, rows, people, groups)
    _link_roles(session, rows, people, departments)
    session.flush()
    return len(created), len(rows) - len(created)


def import_roster(session: Session, path: Path, now: datetime, invite_days: int,
                  skip_bad: bool = False) -> ImportResult:
    """Import a roster file, all or nothing.

    Any bad row raises RosterError (listing every bad row) before anything is written;
    with `skip_bad` the good rows are imported and the bad ones come back as skipped.
    """
    good, problems = check_rows(session, read_rows(Path(path)))
    if problems and not skip_bad:
        raise RosterError(problems)
    created, updated = write_rows(session, good, now, invite_days)
    return ImportResult(created=created, updated=updated, skipped=problems,
                        invites_issued=created)

"""Roster import from CSV or XLSX: check every row first, then make the database match it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from storage.invites import issue
from storage.models import Area, Department, Group, GroupKind, Person
from storage.phones import normalize_phone
from storage.roster_groups import GroupPlanner, GroupSpec, declare_sheet
from storage.roster_problems import Problem, RosterError, RosterFileError, RowProblem, problem
from storage.roster_read import RosterTable, read_rows, read_table
from storage.roster_rules import (
    COL_GROUPS,
    COL_PHONE,
    COL_TOWNSHIP,
    COL_WECOM,
    GROUP_MAX,
    TOWNSHIP_MAX,
    RosterRow,
    department_short_name,
    parse_row,
    row_kinds,
    split_list,
)
from storage.roster_sync import Changes, Removed, chunks, sync_groups, sync_liaisons, sync_roles

__all__ = ["ImportResult", "RosterError", "RosterFileError", "RowProblem", "import_roster",
           "read_rows", "read_table"]


@dataclass
class ImportResult:
    """What an import did (or, rolled back, would do): people, invites, relations, groups."""

    created: int
    updated: int
    skipped: list[RowProblem]
    invites_issued: int
    source: str = ""
    changed: int = 0  # of the updated people, those whose data or relations changed
    added: Counter = field(default_factory=Counter)
    removed: list[Removed] = field(default_factory=list)
    new_groups: list[tuple[str, GroupKind]] = field(default_factory=list)
    regrouped: list[tuple[str, GroupKind, GroupKind]] = field(default_factory=list)
    inactive: list[tuple[str, str]] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)


def _duplicates(row: dict[str, str], row_no: int, seen: dict[str, dict[str, int]],
                wecom_owner: dict[str, str]) -> list[Problem]:
    """Phone or WeCom account repeated in the file, or a WeCom account owned by someone else."""
    problems = []
    phone, wecom = normalize_phone(row.get(COL_PHONE, "")), row.get(COL_WECOM, "").strip()
    if phone and phone in seen["phone"]:
        problems.append(problem("roster.row.duplicate_phone", phone=phone,
                                first=seen["phone"][phone]))
    if wecom and wecom in seen["wecom"]:
        problems.append(problem("roster.row.duplicate_wecom", wecom=wecom,
                                first=seen["wecom"][wecom]))
    elif phone and wecom and wecom_owner.get(wecom, phone) != phone:
        problems.append(problem("roster.row.wecom_taken", wecom=wecom))
    if phone:
        seen["phone"].setdefault(phone, row_no)
    if wecom:
        seen["wecom"].setdefault(wecom, row_no)
    return problems


def _planner(session: Session, table: RosterTable) -> tuple[GroupPlanner, list[RowProblem]]:
    """A group planner knowing the database's groups and the file's townships and 小组 sheet."""
    existing = {g.name: g for g in session.exec(select(Group)).all()}
    townships = {row.get(COL_TOWNSHIP, "").strip() for row in table.rows} - {""}
    planner = GroupPlanner(existing, townships)
    if not table.group_sheet:
        return planner, []
    areas = {a.name_zh: a.id for a in session.exec(select(Area).order_by(Area.position))}
    return planner, declare_sheet(planner, table.group_sheet, table.group_rows, areas)


def _first_pass(session: Session, table: RosterTable, planner: GroupPlanner) -> list[tuple]:
    """Every non-blank row parsed, its kinds declared: (row number, parsed, problems, groups)."""
    wecom_owner = dict(session.exec(
        select(Person.wecom_userid, Person.phone).where(Person.wecom_userid.is_not(None))).all())
    seen: dict[str, dict[str, int]] = {"phone": {}, "wecom": {}}
    checked = []
    for index, row in enumerate(table.rows):
        if not any(row.values()):
            continue
        row_no = index + 2
        parsed, reasons = parse_row(row_no, row)
        groups = split_list(row.get(COL_GROUPS, ""))
        kinds, kind_problems = row_kinds(row, groups)
        reasons += kind_problems
        for name, kind in kinds.items():
            reasons += planner.declare(name, kind, (None, row_no),
                                       row.get(COL_TOWNSHIP, "").strip() or None)
        reasons += _duplicates(row, row_no, seen, wecom_owner)
        checked.append((row_no, parsed, reasons, groups))
    return checked


def _without(row: RosterRow, names: set[str]) -> RosterRow:
    """The row without the groups it cannot place."""
    return replace(row, groups=[g for g in row.groups if g not in names],
                   leader_of={g for g in row.leader_of if g not in names})


def check_rows(session: Session, table: RosterTable,
               skip_bad: bool = False) -> tuple[list[RosterRow], list[RowProblem], GroupPlanner]:
    """Every row checked: the good ones parsed, the bad ones as problems (one per row).

    With `skip_bad`, a row whose only fault is a group nothing places is kept without it.
    """
    planner, problems = _planner(session, table)
    good = []
    for row_no, parsed, reasons, groups in _first_pass(session, table, planner):
        unplaced = planner.unplaced([name for name in groups if len(name) <= GROUP_MAX])
        if not reasons and not unplaced:
            good.append(parsed)
        elif not reasons and skip_bad:
            good.append(_without(parsed, {p.values["group"] for p in unplaced}))
            problems.append(RowProblem(row_no, tuple(unplaced), imported=True))
        else:
            problems.append(RowProblem(row_no, tuple(reasons + unplaced)))
    return good, problems, planner


def _area_for(name: str, areas: list[Area]) -> int | None:
    return next((area.id for area in areas if name.startswith(area.name_zh)), None)


def _township(spec: GroupSpec) -> str | None:
    return spec.township[:TOWNSHIP_MAX] if spec.township else None


def _ensure_groups(session: Session, planner: GroupPlanner, names: set[str],
                   result: ImportResult) -> dict[str, Group]:
    """The named groups: missing ones created, explicitly re-kinded ones updated."""
    groups = {name: planner.existing[name] for name in names if name in planner.existing}
    areas = list(session.exec(select(Area).order_by(Area.position)).all())
    for name in sorted(names):
        spec, group = planner.spec(name), groups.get(name)
        if group is None:
            area_id = spec.area_id or (_area_for(name, areas)
                                       if spec.kind == GroupKind.TASK_SQUAD else None)
            group = groups[name] = Group(name=name, kind=spec.kind.value,
                                         township=_township(spec), area_id=area_id)
            result.new_groups.append((name, spec.kind))
        elif spec.explicit and group.kind != spec.kind:
            result.regrouped.append((name, GroupKind(group.kind), spec.kind))
            group.kind, group.township = spec.kind.value, _township(spec)
        if spec.area_id:
            group.area_id = spec.area_id
        session.add(group)
    session.flush()
    return groups


def _ensure_departments(session: Session, names: set[str]) -> dict[str, Department]:
    """The named departments, creating missing ones with a short name."""
    found = {d.name: d for chunk in chunks(sorted(names))
             for d in session.exec(select(Department).where(Department.name.in_(chunk))).all()}
    for name in sorted(names - found.keys()):
        found[name] = Department(name=name, short_name=department_short_name(name))
        session.add(found[name])
    session.flush()
    return found


def _apply(person: Person, row: RosterRow) -> bool:
    """Copy the row's fields onto the person; True when anything changed."""
    before = (person.name, person.township, person.level, person.wecom_userid)
    person.name, person.township = row.name, row.township
    person.level = row.level.value if row.level else None
    if row.wecom_userid:
        person.wecom_userid = row.wecom_userid
    return before != (person.name, person.township, person.level, person.wecom_userid)


def _upsert_people(session: Session, rows: list[RosterRow], now: datetime,
                   changes: Changes) -> tuple[dict[str, Person], list[Person]]:
    """People matched by phone are updated, the rest created; returns phone → person, new ones."""
    phones = [row.phone for row in rows]
    people = {p.phone: p for chunk in chunks(phones)
              for p in session.exec(select(Person).where(Person.phone.in_(chunk))).all()}
    created = []
    for row in rows:
        person = people.get(row.phone)
        if person is None:
            person = people[row.phone] = Person(name=row.name, phone=row.phone, created_at=now)
            created.append(person)
        if _apply(person, row) and person.id is not None:
            changes.touched.add(person.id)
        session.add(person)
    session.flush()
    return people, created


def write_rows(session: Session, rows: list[RosterRow], planner: GroupPlanner, now: datetime,
               invite_days: int, keep: bool = False) -> ImportResult:
    """Write checked rows and sync the listed people's relations (only add with `keep`)."""
    result = ImportResult(created=0, updated=0, skipped=[], invites_issued=0)
    names = {name for row in rows for name in row.groups} | planner.listed
    groups = _ensure_groups(session, planner, names, result)
    departments = _ensure_departments(session, {d for row in rows for d in row.departments})
    changes = Changes()
    people, created = _upsert_people(session, rows, now, changes)
    for person in created:
        issue(session, person.id, now, invite_days)
    sync_groups(session, rows, people, groups, changes, keep)
    sync_roles(session, rows, people, changes, keep)
    sync_liaisons(session, rows, people, departments, changes, keep)
    session.flush()
    new_ids = {person.id for person in created}
    result.created = result.invites_issued = len(created)
    result.updated = len(rows) - len(created)
    result.changed = len(changes.touched - new_ids)
    result.added = changes.added
    result.removed = [changes.removed[pid] for pid in sorted(changes.removed)]
    result.inactive = sorted((p.name, p.phone) for p in people.values() if not p.active)
    return result


def import_roster(session: Session, path: Path, now: datetime, invite_days: int,
                  skip_bad: bool = False, keep: bool = False) -> ImportResult:
    """Import a roster file, all or nothing; the listed people end up as the file says.

    A file that cannot be read raises RosterFileError; any bad row raises RosterError (listing
    every bad row) before anything is written. With `skip_bad` the good rows are imported and
    the bad ones come back as skipped. With `keep` nothing is ever removed.
    """
    table = read_table(Path(path))
    good, problems, planner = check_rows(session, table, skip_bad)
    if problems and not skip_bad:
        raise RosterError(problems)
    result = write_rows(session, good, planner, now, invite_days, keep)
    result.skipped, result.source = problems, table.source
    result.ignored_sheets = table.ignored_sheets
    return result

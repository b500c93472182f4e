"""The duty record workbook (履职档案): one row per delegate (name, level, township, groups,
each count), sorted by level, township and name as an office lists them; a sheet per group.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, tzinfo
from pathlib import Path

from sqlmodel import Session, select

from bot.i18n import Catalogs, Translator
from handlers.activities.duty import year_bounds
from handlers.labels import level_label
from storage import duty
from storage.models import Group, Level, Membership, Person
from storage.xlsx_stream import Column, Workbook

LEVEL_ORDER = {level.value: n for n, level in enumerate(Level)}  # national first
PERSON_COLUMNS = (("name", 10), ("level", 8), ("township", 10), ("groups", 30))
COLUMN_NAMES = tuple(name for name, _ in PERSON_COLUMNS) + duty.FIELDS
SHEET_NAME_MAX = 31
BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def _columns() -> list[Column]:
    return [Column(width, wrap=name == "groups") for name, width in PERSON_COLUMNS] + [
        Column(9) for _ in duty.FIELDS]


def _delegates(session: Session) -> list:
    """(id, name, level, township) of every active delegate, in the office's order (plain
    rows, not ORM objects: a province has a hundred thousand).
    """
    people = session.exec(select(Person.id, Person.name, Person.level, Person.township).where(
        Person.level.is_not(None), Person.active)).all()
    return sorted(people, key=lambda p: (LEVEL_ORDER.get(p.level, 99), p.township or "",
                                         p.name, p.id))


def _groups_of(session: Session) -> tuple[dict[int, list[str]], list[tuple[Group, list[int]]]]:
    names: dict[int, list[str]] = defaultdict(list)
    members: dict[int, list[int]] = defaultdict(list)
    groups = {g.id: g for g in session.exec(select(Group).order_by(Group.name)).all()}
    for person_id, group_id in session.exec(select(Membership.person_id, Membership.group_id)):
        names[person_id].append(groups[group_id].name)
        members[group_id].append(person_id)
    return names, [(g, members[g.id]) for g in groups.values()]


def _sheet_name(name: str, used: set[str]) -> str:
    base = name.translate(BAD_SHEET_CHARS)[:SHEET_NAME_MAX]
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base[:SHEET_NAME_MAX - len(str(n)) - 1]}~{n}"
    used.add(candidate)
    return candidate


def _row(t: Translator, person, groups: list[str], record: dict) -> list[object]:
    return [person.name, level_label(t, person.level), person.township or "",
            t("common.list_sep").join(sorted(groups)), *(record[f] for f in duty.FIELDS)]


def export_duty(session: Session, path: Path, year: int, now: datetime, zone: tzinfo,
                locale: str) -> int:
    """Write the workbook for `year`; how many delegates it lists."""
    t = Catalogs(locale).translator(locale)
    since, until = year_bounds(year, zone)
    found = duty.records(session, since, until, now)
    people = _delegates(session)
    group_names, groups = _groups_of(session)
    header = [t(f"events.duty.col.{name}") for name in COLUMN_NAMES]
    rows = {p.id: _row(t, p, group_names.get(p.id, []), found.get(p.id) or duty.empty())
            for p in people}
    used = {t("events.duty.sheet_all")}
    with Workbook(path) as book:
        with book.sheet(t("events.duty.sheet_all"), _columns(), autofilter=True) as sheet:
            sheet.append(header, bold=True)
            for person in people:
                sheet.append(rows[person.id])
        place = {person.id: n for n, person in enumerate(people)}  # the office's order
        for group, member_ids in groups:
            with book.sheet(_sheet_name(group.name, used), _columns()) as sheet:
                sheet.append(header, bold=True)
                for person_id in sorted((i for i in member_ids if i in place), key=place.get):
                    sheet.append(rows[person_id])
    return len(people)

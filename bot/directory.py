"""Everyone on the roster with roles, groups, departments and binding, read in bulk."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlmodel import Session, select

from storage.models import (
    ChannelIdentity,
    Department,
    Group,
    GroupKind,
    Liaison,
    Membership,
    Person,
    Role,
    RoleGrant,
)
from storage.roster_sync import chunks

SECTION_ORDER = (Role.DELEGATE, Role.STAFF, Role.LEADERSHIP, Role.LIAISON, None)
_SECTION_PRECEDENCE = (Role.LEADERSHIP, Role.STAFF, Role.LIAISON, Role.DELEGATE)


@dataclass
class Entry:
    """One person as the office sees them."""

    person: Person
    grants: set[Role] = field(default_factory=set)
    groups: list[tuple[str, bool, str]] = field(default_factory=list)  # name, leads, kind
    departments: list[str] = field(default_factory=list)
    bound: bool = False

    @property
    def roles(self) -> frozenset[Role]:
        """Explicit roles plus those that follow from level, leadership and liaison duty."""
        derived = {Role.DELEGATE} if self.person.level else set()
        if any(leads for _, leads, _ in self.groups):
            derived.add(Role.SQUAD_LEADER)
        if self.departments:
            derived.add(Role.LIAISON)
        return frozenset(self.grants | derived)

    @property
    def main_group(self) -> str:
        """The township group if the person is in one, else their first group, else ''."""
        names = [name for name, _, kind in self.groups if kind == GroupKind.TOWNSHIP.value]
        return (names or [name for name, _, _ in self.groups] or [""])[0]

    @property
    def section(self) -> Role | None:
        """The role a printed invite is filed under (leadership, staff, liaison, delegate)."""
        return next((role for role in _SECTION_PRECEDENCE if role in self.roles), None)

    def sort_key(self) -> tuple:
        """By section, then township, group and name."""
        return (SECTION_ORDER.index(self.section), self.person.township or "", self.main_group,
                self.person.name, self.person.id)


def _rows(session: Session, statement, column, ids: list[int] | None) -> list:
    """All rows of `statement`, or those whose `column` is in `ids` (read in chunks)."""
    if ids is None:
        return list(session.exec(statement).all())
    return [row for chunk in chunks(ids)
            for row in session.exec(statement.where(column.in_(chunk))).all()]


def _add_relations(session: Session, entries: dict[int, Entry], ids: list[int] | None) -> None:
    members = select(Membership.person_id, Group.name, Membership.is_leader, Group.kind).join(
        Group, Group.id == Membership.group_id).order_by(Group.name)
    for person_id, name, leads, kind in _rows(session, members, Membership.person_id, ids):
        entries[person_id].groups.append((name, bool(leads), kind))
    duties = select(Liaison.person_id, Department.name).join(
        Department, Department.id == Liaison.department_id).order_by(Department.name)
    for person_id, name in _rows(session, duties, Liaison.person_id, ids):
        entries[person_id].departments.append(name)
    known = {role.value for role in Role}
    for grant in _rows(session, select(RoleGrant), RoleGrant.person_id, ids):
        if grant.role in known:
            entries[grant.person_id].grants.add(Role(grant.role))
    bound = select(ChannelIdentity.person_id)
    for person_id in _rows(session, bound, ChannelIdentity.person_id, ids):
        entries[person_id].bound = True


def load_directory(session: Session,
                   person_ids: Collection[int] | None = None) -> dict[int, Entry]:
    """Entries of the given people (everyone when None), by person id, in id order."""
    ids = sorted(person_ids) if person_ids is not None else None
    people = _rows(session, select(Person), Person.id, ids)
    entries = {p.id: Entry(p) for p in sorted(people, key=lambda p: p.id)}
    _add_relations(session, entries, ids)
    return entries

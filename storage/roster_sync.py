"""Make the relations of the people a roster lists match it: groups, leadership, roles, duties."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from storage.models import Department, Group, Liaison, Membership, Person, Role, RoleGrant
from storage.roster_rules import RosterRow

CHUNK = 500  # keeps IN (...) lists well under every database's parameter limit


@dataclass
class Removed:
    """What one listed person loses because the roster no longer says it."""

    name: str
    phone: str
    groups: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when anything is removed."""
        return bool(self.groups or self.leads or self.roles or self.departments)


@dataclass
class Changes:
    """Relations added (by kind) and removed (by person); who changed at all."""

    added: Counter = field(default_factory=Counter)
    removed: dict[int, Removed] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)

    def removal(self, person: Person) -> Removed:
        """The removal record of a person, created on first use."""
        self.touched.add(person.id)
        return self.removed.setdefault(person.id, Removed(person.name, person.phone))

    def add(self, what: str, person_id: int) -> None:
        """Count one added relation."""
        self.added[what] += 1
        self.touched.add(person_id)


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    """`items` in slices small enough for an IN (...) list."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(session: Session, statement, column, ids: list[int]) -> list:
    return [row for chunk in chunks(ids) for row in session.exec(
        statement.where(column.in_(chunk))).all()]


def sync_groups(session: Session, rows: list[RosterRow], people: dict[str, Person],
                groups: dict[str, Group], changes: Changes, keep: bool) -> None:
    """Memberships and leader flags as the rows say; with `keep`, only ever add."""
    ids = [people[row.phone].id for row in rows]
    current: dict[int, dict[int, tuple[Membership, str]]] = {}
    for member, name in _existing(session, select(Membership, Group.name).join(
            Group, Group.id == Membership.group_id), Membership.person_id, ids):
        current.setdefault(member.person_id, {})[member.group_id] = (member, name)
    for row in rows:
        person = people[row.phone]
        held = current.get(person.id, {})
        wanted = {groups[name].id: name in row.leader_of for name in row.groups}
        for group_id, leads in wanted.items():
            if group_id in held:
                _lead(session, held[group_id], leads, keep, changes, person)
                continue
            session.add(Membership(person_id=person.id, group_id=group_id, is_leader=leads))
            changes.add("memberships", person.id)
            if leads:
                changes.add("leads", person.id)
        gone = [] if keep else sorted(held.keys() - wanted.keys(), key=lambda g: held[g][1])
        for group_id in gone:
            member, name = held[group_id]
            changes.removal(person).groups.append(name)
            session.delete(member)


def _lead(session: Session, found: tuple[Membership, str], leads: bool, keep: bool,
          changes: Changes, person: Person) -> None:
    member, name = found
    if leads and not member.is_leader:
        member.is_leader = True
        changes.add("leads", person.id)
        session.add(member)
    elif member.is_leader and not leads and not keep:
        member.is_leader = False
        changes.removal(person).leads.append(name)
        session.add(member)


def sync_roles(session: Session, rows: list[RosterRow], people: dict[str, Person],
               changes: Changes, keep: bool) -> None:
    """Explicit staff and leadership grants as the rows say; with `keep`, only ever add."""
    ids = [people[row.phone].id for row in rows]
    current: dict[int, dict[str, RoleGrant]] = {}
    for grant in _existing(session, select(RoleGrant), RoleGrant.person_id, ids):
        current.setdefault(grant.person_id, {})[grant.role] = grant
    for row in rows:
        person = people[row.phone]
        wanted = {role.value for role, on in ((Role.STAFF, row.staff),
                                              (Role.LEADERSHIP, row.leadership)) if on}
        held = current.get(person.id, {})
        for role in sorted(wanted - held.keys()):
            session.add(RoleGrant(person_id=person.id, role=role))
            changes.add("roles", person.id)
        for role in [] if keep else sorted(held.keys() - wanted):
            changes.removal(person).roles.append(role)
            session.delete(held[role])


def sync_liaisons(session: Session, rows: list[RosterRow], people: dict[str, Person],
                  departments: dict[str, Department], changes: Changes, keep: bool) -> None:
    """Liaison duties as the rows say; with `keep`, only ever add."""
    ids = [people[row.phone].id for row in rows]
    current: dict[int, dict[int, tuple[Liaison, str]]] = {}
    for duty, name in _existing(session, select(Liaison, Department.name).join(
            Department, Department.id == Liaison.department_id), Liaison.person_id, ids):
        current.setdefault(duty.person_id, {})[duty.department_id] = (duty, name)
    for row in rows:
        person = people[row.phone]
        wanted = {departments[name].id for name in row.departments}
        held = current.get(person.id, {})
        for department_id in sorted(wanted - held.keys()):
            session.add(Liaison(person_id=person.id, department_id=department_id))
            changes.add("liaisons", person.id)
        for department_id in [] if keep else sorted(held.keys() - wanted):
            duty, name = held[department_id]
            changes.removal(person).departments.append(name)
            session.delete(duty)

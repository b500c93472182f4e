"""Who gets a briefing: squad members their squads' sections, staff and leadership the county."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from storage import people
from storage.models import Group, GroupKind, Membership, Person, Role


@dataclass(frozen=True)
class Reader:
    """One addressee: the county section (office) and the squads they are in, one message."""

    person: Person
    county: bool
    squads: tuple[int, ...]


def readers(session: Session) -> list[Reader]:
    """Every active member of a task squad and every staff member and leader, once each."""
    office = {p.id: p for role in (Role.STAFF, Role.LEADERSHIP)
              for p in people.with_role(session, role)}
    found: dict[int, tuple[Person, list[int]]] = {pid: (p, []) for pid, p in office.items()}
    rows = session.exec(
        select(Person, Membership.group_id).join(Membership, Membership.person_id == Person.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.kind == GroupKind.TASK_SQUAD.value, Person.active)
        .order_by(Person.id, Group.name)).all()
    for person, group_id in rows:
        found.setdefault(person.id, (person, []))[1].append(group_id)
    return [Reader(person, pid in office, tuple(squads))
            for pid, (person, squads) in sorted(found.items())]

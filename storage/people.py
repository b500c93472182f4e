"""Queries about people: lookup, effective roles, groups, leaders, departments."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, select

from storage.models import (
    Department,
    Group,
    Liaison,
    Membership,
    Person,
    Role,
    RoleGrant,
)


def get(session: Session, person_id: int) -> Person | None:
    """The person with this id."""
    return session.get(Person, person_id)


def find(session: Session, query: str) -> list[Person]:
    """People whose phone equals `query` or whose name equals or contains it."""
    query = query.strip()
    if not query:
        return []
    exact = session.exec(
        select(Person).where(or_(Person.phone == query, Person.name == query))
    ).all()
    if exact:
        return list(exact)
    return list(session.exec(select(Person).where(Person.name.contains(query)).limit(10)).all())


def effective_roles(session: Session, person: Person) -> frozenset[Role]:
    """Explicit roles plus those that follow from level, group leadership and liaison duty."""
    roles = {Role(g.role) for g in session.exec(
        select(RoleGrant).where(RoleGrant.person_id == person.id)).all()}
    if person.level:
        roles.add(Role.DELEGATE)
    if session.exec(select(Membership).where(
            Membership.person_id == person.id, Membership.is_leader)).first():
        roles.add(Role.SQUAD_LEADER)
    if session.exec(select(Liaison).where(Liaison.person_id == person.id)).first():
        roles.add(Role.LIAISON)
    return frozenset(roles)


def groups_of(session: Session, person_id: int) -> list[tuple[Group, bool]]:
    """The person's groups, each with whether they lead it."""
    rows = session.exec(
        select(Group, Membership.is_leader)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.person_id == person_id)
        .order_by(Group.name)
    ).all()
    return [(group, bool(leader)) for group, leader in rows]


def leaders_of(session: Session, group_id: int) -> list[Person]:
    """The squad leaders of a group."""
    return list(session.exec(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group_id, Membership.is_leader)
    ).all())


def departments_of(session: Session, person_id: int) -> list[Department]:
    """The departments this person is a liaison for."""
    return list(session.exec(
        select(Department).join(Liaison, Liaison.department_id == Department.id)
        .where(Liaison.person_id == person_id)
    ).all())


def with_role(session: Session, role: Role) -> list[Person]:
    """Everyone explicitly granted a role (staff or leadership)."""
    return list(session.exec(
        select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(RoleGrant.role == role.value, Person.active)
    ).all())


def grant(session: Session, person_id: int, role: Role) -> None:
    """Grant an explicit role (idempotent)."""
    if not session.get(RoleGrant, (person_id, role.value)):
        session.add(RoleGrant(person_id=person_id, role=role.value))

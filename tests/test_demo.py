"""The demo county: counts, one leader per group, idempotent, deterministic and quick."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from storage.db import make_engine, unit_of_work
from storage.demo import (
    DEMO_STAFF_NAME,
    DEMO_STAFF_PHONE,
    demo_delegate_example,
    load_demo,
)
from storage.migrate import upgrade
from storage.models import (
    Area,
    Department,
    Group,
    GroupKind,
    Invite,
    Level,
    Liaison,
    Membership,
    Person,
    Role,
)
from storage.people import effective_roles, groups_of, with_role

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _migrated(path):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


@pytest.fixture
def loaded(engine):
    """The engine with the demo county loaded."""
    with unit_of_work(engine) as session:
        assert load_demo(session, NOW, 30) is True
    return engine


def _counts(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        return {table.__name__: s.exec(select(func.count()).select_from(table)).one()
                for table in (Person, Group, Membership, Department, Liaison, Area, Invite)}


def test_delegates_by_level(loaded) -> None:
    with unit_of_work(loaded) as s:
        levels = Counter(s.exec(select(Person.level).where(Person.level.is_not(None))).all())
        assert levels == {Level.NATIONAL: 2, Level.PROVINCIAL: 8, Level.MUNICIPAL: 40,
                          Level.COUNTY: 150, Level.TOWNSHIP: 200}
        names = s.exec(select(Person.name)).all()
        assert len(names) == len(set(names))
        assert s.exec(select(func.count()).select_from(Invite)).one() == len(names)


def test_groups_and_areas(loaded) -> None:
    with unit_of_work(loaded) as s:
        groups = s.exec(select(Group)).all()
        by_kind = Counter(g.kind for g in groups)
        assert by_kind == {GroupKind.TASK_SQUAD: 7, GroupKind.INSPECTION: 4,
                           GroupKind.TOWNSHIP: 14}
        areas = {a.id: a for a in s.exec(select(Area)).all()}
        assert {a.code for a in areas.values()} == {
            "energy", "realestate", "health", "environment", "business", "elderly", "livelihood"}
        days = {a.code: a.deadline_working_days for a in areas.values()}
        assert (days["realestate"], days["health"], days["energy"]) == (20, 10, 15)
        squads = [g for g in groups if g.kind == GroupKind.TASK_SQUAD]
        assert sorted(g.area_id for g in squads) == sorted(areas)
        assert all(g.name == f"{areas[g.area_id].name_zh}工作专班" for g in squads)
        towns = [g for g in groups if g.kind == GroupKind.TOWNSHIP]
        assert all(g.township and g.name == f"{g.township}代表小组" for g in towns)


def test_every_group_has_one_delegate_leader(loaded) -> None:
    with unit_of_work(loaded) as s:
        rows = s.exec(select(Membership.group_id, Person.level)
                      .join(Person, Person.id == Membership.person_id)
                      .where(Membership.is_leader)).all()
        group_ids = s.exec(select(Group.id)).all()
        assert Counter(group_id for group_id, _ in rows) == dict.fromkeys(group_ids, 1)
        assert all(level is not None for _, level in rows)


def test_memberships(loaded) -> None:
    with unit_of_work(loaded) as s:
        delegates = s.exec(select(Person).where(Person.level.is_not(None))).all()
        squad_members = inspectors = 0
        for person in delegates:
            kinds = Counter(g.kind for g, _ in groups_of(s, person.id))
            assert f"{person.township}代表小组" in {g.name for g, _ in groups_of(s, person.id)}
            assert kinds[GroupKind.TOWNSHIP] == 1 and kinds[GroupKind.TASK_SQUAD] <= 1
            squad_members += kinds[GroupKind.TASK_SQUAD]
            inspectors += kinds[GroupKind.INSPECTION]
        assert squad_members == len(delegates) // 2
        assert 20 <= inspectors <= 100


def test_departments_staff_and_leadership(loaded) -> None:
    with unit_of_work(loaded) as s:
        departments = s.exec(select(Department)).all()
        assert len(departments) == 10
        per_department = Counter(s.exec(select(Liaison.department_id)).all())
        assert all(1 <= per_department[d.id] <= 2 for d in departments)
        liaisons = s.exec(select(Person).join(Liaison, Liaison.person_id == Person.id)).all()
        assert all(p.level is None and p.phone.startswith("1390000") for p in liaisons)
        staff = with_role(s, Role.STAFF)
        assert len(staff) == 3
        demo_staff = s.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
        assert demo_staff.name == DEMO_STAFF_NAME
        assert effective_roles(s, demo_staff) == {Role.STAFF}
        assert len(with_role(s, Role.LEADERSHIP)) == 3


def test_second_load_is_a_no_op(loaded) -> None:
    before = _counts(loaded)
    with unit_of_work(loaded) as session:
        assert load_demo(session, NOW, 30) is False
    assert _counts(loaded) == before
    assert before["Person"] > 400


def test_deterministic_and_quick(engine, tmp_path) -> None:
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        load_demo(session, NOW, 30)
    assert time.perf_counter() - started < 5
    other = _migrated(tmp_path / "other.db")
    with unit_of_work(other) as session:
        load_demo(session, NOW, 30)
    people = []
    for db in (engine, other):
        with unit_of_work(db) as s:
            people.append(s.exec(select(Person.phone, Person.name, Person.level, Person.township)
                                 .order_by(Person.phone)).all())
    other.dispose()
    assert people[0] == people[1]


def test_delegate_example(loaded) -> None:
    with unit_of_work(loaded) as s:
        person = demo_delegate_example(s)
        groups = groups_of(s, person.id)
        assert person.level is not None
        assert any(g.kind == GroupKind.TASK_SQUAD for g, _ in groups)
        assert not any(leader for _, leader in groups)
        assert effective_roles(s, person) == {Role.DELEGATE}


def test_delegate_example_needs_the_demo(engine) -> None:
    with unit_of_work(engine) as s, pytest.raises(LookupError):
        demo_delegate_example(s)

"""Test data builders for cases on top of the demo county."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from storage import cases
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Area, Department, Group, Liaison, Membership, Person


def demo_reporter(session: Session) -> tuple[Person, Group]:
    """An ordinary (non-leader) delegate of a task squad, with that squad."""
    row = session.exec(
        select(Person, Group).join(Membership, Membership.person_id == Person.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.kind == "task_squad", Membership.is_leader.is_(False))
        .order_by(Person.id)).first()
    return row[0], row[1]


def leader_of(session: Session, group: Group) -> Person:
    """The leader of a group."""
    return session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                        .where(Membership.group_id == group.id, Membership.is_leader)).first()


def liaison_of(session: Session, department: Department) -> Person:
    """A liaison of a department."""
    return session.exec(select(Person).join(Liaison, Liaison.person_id == Person.id)
                        .where(Liaison.department_id == department.id)).first()


def make_case(session: Session, now: datetime, *, reporter: Person, group: Group,
              status: CaseStatus = CaseStatus.SUBMITTED, department: Department | None = None,
              deadline: datetime | None = None, description: str = "路边垃圾堆放多日无人清运",
              township: str | None = None, area: Area | None = None) -> Case:
    """Insert a case directly in a given state (for views, sweeps and exports)."""
    area = area or session.get(Area, group.area_id) or session.exec(select(Area)).first()
    seq, number = cases.next_number(session, now.year)
    case = Case(year=now.year, seq=seq, number=number, status=status, area_id=area.id,
                township=township or reporter.township, description=description,
                reporter_id=reporter.id, group_id=group.id, created_at=now, updated_at=now)
    if department is not None:
        case.department_id, case.assigned_at = department.id, now
        case.deadline = deadline or now + timedelta(days=14)
    if status == CaseStatus.RECTIFIED:
        case.rectified_at = now
    session.add(case)
    session.flush()
    session.add(CaseReporter(case_id=case.id, person_id=reporter.id, group_id=group.id,
                             joined_at=now))
    session.flush()
    return case


@dataclass
class Cast:
    """People of the demo county for case tests."""

    reporter: Person
    member: Person  # another ordinary member of the reporter's squad, not a reporter
    leader: Person
    other_leader: Person  # leads another squad
    staff: Person
    liaison: Person
    other_liaison: Person  # a liaison of another department
    group: Group
    area: Area
    department: Department
    other_department: Department


def make_cast(engine: Engine) -> Cast:
    """The cast, found in the demo county."""
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        member = session.exec(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group.id, Membership.is_leader.is_(False),
                   Person.id != reporter.id).order_by(Person.id)).first()
        other_group = session.exec(select(Group).where(
            Group.kind == "task_squad", Group.id != group.id).order_by(Group.id)).first()
        departments = session.exec(select(Department).order_by(Department.id)).all()
        return Cast(
            reporter=reporter, member=member, leader=leader_of(session, group),
            other_leader=leader_of(session, other_group),
            staff=session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one(),
            liaison=liaison_of(session, departments[0]),
            other_liaison=liaison_of(session, departments[1]), group=group,
            area=session.get(Area, group.area_id), department=departments[0],
            other_department=departments[1])

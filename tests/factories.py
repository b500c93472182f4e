"""Test data builders for cases on top of the demo county."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from storage import cases
from storage.case_models import Case, CaseReporter, CaseStatus
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

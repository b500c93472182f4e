"""Scenario 8 on every channel: /supervise for the leadership lists the figures, then the
overdue cases (key supervision first), each a button that opens the case.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.case_models import CaseStatus
from storage.db import unit_of_work
from storage.models import Person, RoleGrant
from tests.factories import make_case, make_cast


def leadership(engine) -> Person:
    """A member of the campaign's leadership."""
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
                              .where(RoleGrant.role == "leadership")).first()
        session.expunge(person)
        return person


async def test_supervise_shows_the_overdue_cases_to_open(driver, engine, clock):
    cast, now = make_cast(engine), clock.utcnow()
    with unit_of_work(engine) as session:
        def case(status, department, days_late, key=False):
            made = make_case(session, now - timedelta(days=30), reporter=cast.reporter,
                             group=cast.group, status=status, department=department,
                             deadline=now - timedelta(days=days_late))
            made.key_supervision = key
            session.add(made)
            return made.number
        mild = case(CaseStatus.IN_PROGRESS, cast.department, 2)
        hot = case(CaseStatus.ACKNOWLEDGED, cast.other_department, 9, key=True)
        case(CaseStatus.IN_PROGRESS, cast.department, -5)  # not yet due

    await driver.as_person(leadership(engine).phone)
    answer = await driver.send("/supervise")
    # three open, two of them past their deadline, one of those under key supervision
    assert "未办结 3 件 · 逾期 2 件 · 重点督办 1 件" in answer
    assert answer.index(hot) < answer.index(mild)
    assert {hot, mild} <= set(driver.labels())
    assert hot in await driver.press(hot)

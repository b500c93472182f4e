"""/supervise for leadership and staff: the first figures, then overdue cases by department."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from storage.case_models import Case, CaseStatus
from storage.db import unit_of_work
from storage.models import Person, RoleGrant
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, zh


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _leader_of_campaign(engine) -> Person:
    with unit_of_work(engine) as session:
        return session.exec(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
                            .where(RoleGrant.role == "leadership")).first()


async def test_supervise_lists_key_supervision_first_then_by_department(app, clock, cast):
    now = clock.utcnow()
    with unit_of_work(app.engine) as session:
        def case(status, department, days_late, key=False, closed=None):
            made = make_case(session, now - timedelta(days=30), reporter=cast.reporter,
                             group=cast.group, status=status, department=department,
                             deadline=now - timedelta(days=days_late))
            made.key_supervision, made.closed_at = key, closed
            session.add(made)
            return made
        mild = case(CaseStatus.IN_PROGRESS, cast.department, 2)
        hot = case(CaseStatus.ACKNOWLEDGED, cast.other_department, 9, key=True)
        older = case(CaseStatus.ASSIGNED, cast.department, 6)
        case(CaseStatus.IN_PROGRESS, cast.department, -5)  # not yet due
        case(CaseStatus.CLOSED, cast.department, 3, closed=now - timedelta(hours=1))
        case(CaseStatus.CLOSED, cast.department, 3, closed=now - timedelta(days=1))  # Sunday
        case(CaseStatus.CLOSED, cast.department, 3, closed=now - timedelta(days=20))
    leader = await bound(app, _leader_of_campaign(app.engine), "9701")
    await leader.send("/supervise")
    text = leader.text
    assert "未办结 4 件 · 逾期 3 件 · 重点督办 1 件 · 本周销号 1 件" in text
    order = [text.index(number) for number in (hot.number, older.number, mild.number)]
    assert order == sorted(order)
    assert f"{hot.number} · 🔴重点督办 9天" in text
    assert f"{older.number} · 逾期 6天" in text
    assert {hot.number, older.number, mild.number} <= set(leader.labels())


async def test_supervise_is_for_the_office_only(app, cast):
    delegate = await bound(app, cast.reporter, "9702")
    await delegate.send("/supervise")
    assert delegate.text == zh(app)("common.not_allowed")
    staff = await bound(app, cast.staff, "9703")
    await staff.send("/supervise")
    assert zh(app)("supervise.none_overdue") in staff.text
    with unit_of_work(app.engine) as session:
        assert not session.exec(select(Case)).first()

"""Helpers for briefing tests: moments in Shanghai, squads with cases, what was queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from storage import outbox
from storage.briefing_models import Briefing
from storage.case_models import CaseStatus
from storage.db import unit_of_work
from storage.models import Area, Department, Group, Membership, OutboxMessage, Person
from tests.factories import make_case

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment of 2026 in Shanghai, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def squads(engine) -> list[Group]:
    """The demo county's task squads, by name (the figures' order)."""
    with unit_of_work(engine, read_only=True) as session:
        return list(session.exec(select(Group).where(Group.kind == "task_squad")
                                 .order_by(Group.name)).all())


def give_cases(engine, squad: Group, now: datetime, *, assigned: int, closed: int) -> None:
    """`assigned` cases handed to a department in the squad's area, `closed` of them closed
    out on time, the others in progress and not yet due.
    """
    with unit_of_work(engine) as session:
        reporter = session.exec(select(Person).join(
            Membership, Membership.person_id == Person.id).where(
            Membership.group_id == squad.id)).first()
        department = session.exec(select(Department)).first()
        for n in range(assigned):
            status = CaseStatus.CLOSED if n < closed else CaseStatus.IN_PROGRESS
            case = make_case(session, now - timedelta(days=10), reporter=reporter, group=squad,
                             status=status, department=department,
                             deadline=now + timedelta(days=5),
                             area=session.get(Area, squad.area_id))
            if status == CaseStatus.CLOSED:
                case.closed_at = now - timedelta(days=1)
                session.add(case)


def briefing_rows(engine) -> list[Briefing]:
    """Every briefing recorded, by day and kind."""
    with unit_of_work(engine, read_only=True) as session:
        return list(session.exec(select(Briefing).order_by(Briefing.day, Briefing.id)).all())


def pushes(engine, briefing_id: int | None = None) -> list[OutboxMessage]:
    """The briefing pushes queued (of one briefing, or all)."""
    prefix = f"briefing:{briefing_id}:" if briefing_id is not None else "briefing:"
    with unit_of_work(engine, read_only=True) as session:
        return outbox.by_key_prefix(session, prefix)


def push_to(engine, person_id: int, briefing_id: int) -> OutboxMessage | None:
    """The push of one briefing to one person."""
    rows = [r for r in pushes(engine, briefing_id) if r.person_id == person_id]
    assert len(rows) <= 1
    return rows[0] if rows else None

"""The demo county's briefing history: cases closed out a month ago, so the squads have a
record to rank, and yesterday's briefing and contest, so `/briefing` shows a change and a red flag.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlmodel import Session, select

from bot.config import Settings
from bot.demo_cases import _new_case, _walk
from bot.flows.case_lifecycle import case_machine
from handlers.briefing.state import build
from schedules.workdays import default_calendar
from storage import briefings
from storage.briefing_models import BriefingKind, BriefingStatus
from storage.models import Department, Group, RoleGrant

CLOSED = ("accept", "assign", "acknowledge", "rectify", "confirm")
HISTORY = (5, 4, 3, 3, 2, 1, 0)  # cases closed out a month ago, per squad


def add_history(session: Session, now: datetime, settings: Settings) -> int:
    """Cases closed out a month ago, in different numbers per squad; how many."""
    rng, machine = random.Random(16), case_machine()
    squads = session.exec(select(Group).where(Group.kind == "task_squad").order_by(Group.id)).all()
    departments = session.exec(select(Department).order_by(Department.id)).all()
    staff_id = session.exec(select(RoleGrant.person_id).where(RoleGrant.role == "staff")).first()
    added = 0
    for index, squad in enumerate(squads):
        for _ in range(HISTORY[index % len(HISTORY)]):
            start = now - timedelta(days=rng.randint(24, 40), hours=rng.randint(1, 8))
            case = _new_case(session, squad, start, settings.tz)
            _walk(session, machine, case, CLOSED, departments[added % len(departments)],
                  staff_id, start, settings.tz)
            added += 1
    session.flush()
    return added


def load_demo_briefings(session: Session, now: datetime, settings: Settings) -> None:
    """The history cases, then the last working day's briefing and contest as sent."""
    add_history(session, now, settings)
    zone, calendar = settings.tz, default_calendar()
    day = now.astimezone(zone).date() - timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    then = datetime.combine(day, settings.briefing_time or time(16, 30), tzinfo=zone)
    for kind in (BriefingKind.CONTEST, BriefingKind.DAILY):
        state = build(session, settings, then, kind)
        briefings.claim(session, kind, day, BriefingStatus.SENT, state.snapshot(), then)

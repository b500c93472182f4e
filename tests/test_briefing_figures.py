"""The briefing's figures on a known data set, counted by hand: per squad and county-wide."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from handlers.briefing.state import campaign_day, start_of
from storage import briefing_figures
from storage.briefing_figures import Counts
from storage.case_models import CaseStatus
from storage.db import unit_of_work
from storage.models import Area, Group
from tests.factories import Cast, make_case, make_cast


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _squad_b(session, cast: Cast) -> Group:
    return session.exec(select(Group).where(Group.kind == "task_squad", Group.id != cast.group.id)
                        .order_by(Group.id)).first()


def known_cases(engine, cast: Cast, now) -> Group:
    """Squad A: eight counted cases and a merged one; squad B: one; see the test for the sums."""
    day = timedelta(days=1)
    with unit_of_work(engine) as session:
        def case(status, created, department=None, deadline=None, group=cast.group, **moments):
            made = make_case(session, created, reporter=cast.reporter, group=group,
                             status=status, department=department, deadline=deadline,
                             area=session.get(Area, group.area_id))
            for name, value in moments.items():
                setattr(made, name, value)
            session.add(made)
        dep = cast.department
        case(CaseStatus.SUBMITTED, now - timedelta(hours=1))  # 1: new today
        case(CaseStatus.ACCEPTED, now - 3 * day)  # 2
        case(CaseStatus.REJECTED, now - 5 * day)  # 3: counted, never accepted
        case(CaseStatus.MERGED, now - 4 * day)  # 4: a duplicate, counted nowhere
        case(CaseStatus.ASSIGNED, now - 9 * day, dep, now - day)  # 5: overdue
        case(CaseStatus.IN_PROGRESS, now - 9 * day, dep, now + day)  # 6
        case(CaseStatus.RECTIFIED, now - 9 * day, dep, now - 2 * day,
             rectified_at=now - timedelta(minutes=5))  # 7: rectified today, not overdue
        case(CaseStatus.CLOSED, now - 9 * day, dep, now - day, closed_at=now - 2 * day)  # 8
        case(CaseStatus.CLOSED, now - 9 * day, dep, now - 3 * day,
             closed_at=now - timedelta(hours=1))  # 9: closed out late
        other = _squad_b(session, cast)
        case(CaseStatus.ASSIGNED, now - timedelta(hours=2), dep, now - timedelta(hours=1),
             group=other)
        return other


def test_figures_per_squad_and_county_on_a_known_data_set(app, clock, cast):
    now = clock.utcnow()  # Monday 10:00 in Shanghai; the day began at 00:00 local
    other = known_cases(app.engine, cast, now)
    with unit_of_work(app.engine, read_only=True) as session:
        figures = briefing_figures.figures(session, start_of(date(2026, 11, 23),
                                                             app.settings.tz), now)
    squad_a, squad_b = figures.squad(cast.group.id), figures.squad(other.id)
    assert squad_a.counts == Counts(new_today=1, total=8, accepted=6, assigned=5,
                                    rectified_today=1, closed=2, closed_on_time=1, overdue=1,
                                    open=5)  # cases 1, 2, 5, 6, 7
    assert squad_a.counts.rate == pytest.approx(0.4)  # 2 closed of 5 assigned
    assert squad_a.counts.timeliness == pytest.approx(0.5)
    assert squad_b.counts == Counts(new_today=1, total=1, accepted=1, assigned=1, overdue=1,
                                    open=1)
    assert figures.county == Counts(new_today=2, total=9, accepted=7, assigned=6,
                                    rectified_today=1, closed=2, closed_on_time=1, overdue=2,
                                    open=6)
    assert len(figures.squads) == 7  # every squad of the demo county, with or without cases
    quiet = [s for s in figures.squads if s.id not in (cast.group.id, other.id)]
    assert all(s.counts == Counts() and s.counts.rate is None for s in quiet)
    assert all(s.members > 0 for s in figures.squads)


def test_a_case_counts_for_the_squad_of_its_area_whoever_reported_it(app, clock, cast):
    now = clock.utcnow()
    with unit_of_work(app.engine) as session:
        township = session.exec(select(Group).where(Group.kind == "township")).first()
        make_case(session, now, reporter=cast.reporter, group=township, area=cast.area)
    with unit_of_work(app.engine, read_only=True) as session:
        figures = briefing_figures.figures(session, now - timedelta(hours=1), now)
    assert figures.squad(cast.group.id).counts.total == 1
    assert figures.county.total == 1


def test_campaign_day_counts_calendar_days_from_the_start_as_day_one():
    start = date(2026, 11, 1)
    assert campaign_day(start, date(2026, 11, 1)) == 1
    assert campaign_day(start, date(2026, 11, 23)) == 23
    assert campaign_day(start, date(2026, 10, 31)) is None
    assert campaign_day(None, date(2026, 11, 23)) is None


def test_figures_as_of_a_moment_leave_out_cases_reported_after_it(app, clock, cast):
    now = clock.utcnow()
    with unit_of_work(app.engine) as session:
        make_case(session, now - timedelta(days=2), reporter=cast.reporter, group=cast.group)
        make_case(session, now, reporter=cast.reporter, group=cast.group)
    with unit_of_work(app.engine, read_only=True) as session:
        yesterday = now - timedelta(days=1)
        figures = briefing_figures.figures(session, yesterday - timedelta(hours=10), yesterday)
    assert figures.county.total == 1

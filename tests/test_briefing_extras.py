"""Inspections held this week and the open survey's participation in the briefing, on a known
data set counted by hand (the demo's own activities and surveys are removed first).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import delete, select

from handlers.briefing import state as briefing_state
from handlers.briefing.render import render
from handlers.briefing.state import start_of
from storage import briefing_extras
from storage.activity_models import Activity, ActivityInvite, ActivityKind, ActivityState
from storage.db import unit_of_work
from storage.models import Group, GroupKind, Membership
from storage.survey_models import Survey, SurveyState, SurveyVoter
from tests.factories import Cast, make_cast

HOUR = timedelta(hours=1)


@pytest.fixture
def cast(app, demo) -> Cast:
    with unit_of_work(app.engine) as session:
        session.exec(delete(Activity))
        session.exec(delete(Survey))
    return make_cast(app.engine)


def _activity(session, cast: Cast, kind: ActivityKind, start, *groups: int,
              state: ActivityState = ActivityState.ACTIVE) -> None:
    activity = Activity(kind=kind.value, title=f"{kind.value} {start:%d %H:%M}", start_at=start,
                        end_at=start + HOUR, organiser_id=cast.leader.id, state=state.value,
                        created_at=start - 48 * HOUR)
    session.add(activity)
    session.flush()
    session.add_all(ActivityInvite(activity_id=activity.id, group_id=g) for g in groups)


def _township_group(session) -> Group:
    return session.exec(select(Group).where(Group.kind != GroupKind.TASK_SQUAD.value)
                        .order_by(Group.id)).first()


def known_activities(engine, cast: Cast, now) -> int:
    """Squad A: two visits held this week; squad B: one; the county: three. Returns B's id."""
    with unit_of_work(engine) as session:
        squad_b = session.exec(select(Group).where(
            Group.kind == GroupKind.TASK_SQUAD.value, Group.id != cast.group.id)
            .order_by(Group.id)).first().id
        a = cast.group.id
        _activity(session, cast, ActivityKind.INSPECTION, now - HOUR, a, squad_b)  # A, B
        _activity(session, cast, ActivityKind.SURVEY, now - HOUR / 2, a)  # 调研: A
        _activity(session, cast, ActivityKind.UNANNOUNCED, now - 2 * HOUR,
                  _township_group(session).id)  # the county only: no squad invited
        _activity(session, cast, ActivityKind.INSPECTION, now + 2 * HOUR, a)  # not yet held
        _activity(session, cast, ActivityKind.INSPECTION, now - HOUR, a,
                  state=ActivityState.CANCELLED)
        _activity(session, cast, ActivityKind.INSPECTION, now - 72 * HOUR, a)  # last week
        _activity(session, cast, ActivityKind.DISCUSSION, now - HOUR, a)  # a meeting
        return squad_b


def test_visits_held_this_week_per_squad_and_county(app, clock, cast):
    now = clock.utcnow()  # Monday 2026-11-23 10:00 in Shanghai: the week began today at 00:00
    squad_b = known_activities(app.engine, cast, now)
    week_start = start_of(date(2026, 11, 23), app.settings.tz)
    with unit_of_work(app.engine, read_only=True) as session:
        held = briefing_extras.inspections_held(session, week_start, now)
    assert held == {None: 3, cast.group.id: 2, squad_b: 1}


def _open_survey(session, now) -> Survey:
    survey = Survey(title="2026年度部门满意度测评", kind="evaluation", options=["满意"],
                    eligible={"levels": ["county"], "groups": []}, counted_levels=["county"],
                    reminders=[], opens_at=now - 24 * HOUR, closes_at=now + 72 * HOUR,
                    state=SurveyState.OPEN.value, created_at=now - 48 * HOUR)
    session.add(survey)
    session.flush()
    return survey


def test_the_open_surveys_participation_per_squad_and_county(app, clock, cast):
    now = clock.utcnow()
    with unit_of_work(app.engine) as session:
        survey = _open_survey(session, now)
        members = session.exec(select(Membership.person_id).where(
            Membership.group_id == cast.group.id).order_by(Membership.person_id)).all()[:3]
        outsider = session.exec(select(Membership.person_id).where(
            Membership.person_id.not_in(select(Membership.person_id).where(
                Membership.group_id.in_(select(Group.id).where(
                    Group.kind == GroupKind.TASK_SQUAD.value))))).limit(1)).first()
        voted = {members[0], members[1], outsider}
        uncounted = cast.staff.id  # eligible but not counted towards the rule
        for person in [*members, outsider]:
            session.add(SurveyVoter(survey_id=survey.id, person_id=person, counted=True,
                                    voted_on=date(2026, 11, 23) if person in voted else None))
        session.add(SurveyVoter(survey_id=survey.id, person_id=uncounted, counted=False,
                                voted_on=date(2026, 11, 23)))
        survey_id = survey.id
    with unit_of_work(app.engine, read_only=True) as session:
        shares = briefing_extras.participation(session, survey_id)
    assert shares[None] == (3, 4)  # two of squad A's three, and the outsider; staff not counted
    assert shares[cast.group.id] == (2, 3)


def test_the_briefing_says_both_for_the_county_and_each_squad(app, clock, cast):
    now = clock.utcnow()
    known_activities(app.engine, cast, now)
    with unit_of_work(app.engine) as session:
        survey = _open_survey(session, now)
        session.add(SurveyVoter(survey_id=survey.id, person_id=cast.reporter.id, counted=True,
                                voted_on=date(2026, 11, 23)))
        session.add(SurveyVoter(survey_id=survey.id, person_id=cast.member.id, counted=True))
    with unit_of_work(app.engine, read_only=True) as session:
        state = briefing_state.build(session, app.settings, now)
    zh = render(app.services.catalogs.translator("zh_CN"), state, county=True,
                squads=[cast.group.id])
    assert zh.count("本周视察调研") == 2
    assert "本周视察调研 3 次" in zh and "本周视察调研 2 次" in zh
    assert "测评参与率（2026年度部门满意度测评）：50.0%（1/2）" in zh
    en = render(app.services.catalogs.translator("en"), state, county=False,
                squads=[cast.group.id])
    assert "Inspections and visits this week: 2" in en
    assert "Survey participation (2026年度部门满意度测评): 50.0% (1/2)" in en

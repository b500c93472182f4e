"""The briefing's figures from activities and surveys: inspections held this week (视察) and the
open survey's participation (测评参与率), per task squad and county-wide, in aggregate queries.

An activity counts for a squad when it invited the squad's group; a voter counts for every squad
they are a member of. Only voters who count towards the participation rule are counted, as on
the survey's own page (`/survey <id>`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.activity_models import Activity, ActivityInvite, ActivityKind, ActivityState
from storage.models import Group, GroupKind, Membership
from storage.survey_models import Survey, SurveyState, SurveyVoter

VISITS = (ActivityKind.INSPECTION.value, ActivityKind.SURVEY.value,
          ActivityKind.UNANNOUNCED.value)  # 视察, 调研, 明察暗访
Participation = tuple[int, int]  # voted, eligible


def _visits_held(week_start: datetime, now: datetime):
    return (Activity.kind.in_(VISITS), Activity.state == ActivityState.ACTIVE.value,
            Activity.start_at >= week_start, Activity.start_at <= now)


def inspections_held(session: Session, week_start: datetime,
                     now: datetime) -> dict[int | None, int]:
    """Visits that began between `week_start` and `now`: per squad invited, and None: all."""
    held = _visits_held(week_start, now)
    county = session.exec(select(func.count(Activity.id)).where(*held)).one()
    rows = session.exec(
        select(ActivityInvite.group_id, func.count(func.distinct(Activity.id)))
        .join(Activity, Activity.id == ActivityInvite.activity_id)
        .join(Group, Group.id == ActivityInvite.group_id)
        .where(*held, Group.kind == GroupKind.TASK_SQUAD.value)
        .group_by(ActivityInvite.group_id)).all()
    return {None: int(county), **{group: int(n) for group, n in rows}}


def open_survey(session: Session) -> Survey | None:
    """The survey open now that opened last, if any."""
    return session.exec(select(Survey).where(Survey.state == SurveyState.OPEN.value)
                        .order_by(Survey.opens_at.desc(), Survey.id.desc())).first()


def participation(session: Session, survey_id: int) -> dict[int | None, Participation]:
    """(voted, eligible) of the survey's counted voters: per squad they are in, None: all."""
    counted = (SurveyVoter.survey_id == survey_id, SurveyVoter.counted)
    has_voted = func.count(SurveyVoter.voted_on)  # COUNT skips NULLs: those who voted
    everyone = session.exec(select(has_voted, func.count()).where(*counted)).one()
    rows = session.exec(
        select(Membership.group_id, has_voted, func.count())
        .join(Membership, Membership.person_id == SurveyVoter.person_id)
        .join(Group, Group.id == Membership.group_id)
        .where(*counted, Group.kind == GroupKind.TASK_SQUAD.value)
        .group_by(Membership.group_id)).all()
    return {None: (int(everyone[0]), int(everyone[1])),
            **{group: (int(v), int(n)) for group, v, n in rows}}


def extra_figures(session: Session, week_start: datetime, now: datetime,
                  squad_ids: list[int]) -> dict[str, dict[int | None, dict[str, object]]]:
    """Catalog key → squad id (None: the county) → the line's placeholders."""
    held = inspections_held(session, week_start, now)
    every = [None, *squad_ids]
    extras: dict[str, dict[int | None, dict[str, object]]] = {
        "briefing.extra.inspections": {squad: {"count": held.get(squad, 0)} for squad in every}}
    survey = open_survey(session)
    if survey is not None:
        extras["briefing.extra.participation"] = {
            squad: {"title": survey.title, "voted": voted, "eligible": eligible,
                    "share": f"{100 * voted / eligible:.1f}%"}
            for squad, (voted, eligible) in participation(session, survey.id).items() if eligible}
    return extras

"""Queries about surveys: create, open (fix the voters), cast, close, publish, extend, turnout.

A ballot is cast in one transaction that first marks the voter (a conditional update: only a
voter who has not voted, of a survey that is open) and then inserts a ballot with a random key
and no link to them; see storage/survey_models.py for the secrecy rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, insert, literal, or_, update
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from storage.models import Conversation, Membership, Person
from storage.survey_models import (
    Survey,
    SurveyBallot,
    SurveyItem,
    SurveyState,
    SurveyVoter,
)
from storage.survey_spec import SurveyDraft

KEY = "survey:{id}:"  # the prefix of every outbox key of a survey
BALLOT_FLOW = "ballot"  # the conversation a half-finished ballot lives in


def key_prefix(survey_id: int) -> str:
    """`survey:<id>:`: the opening push is `<prefix>open:<person>`, reminders `…remind:<n>:…`."""
    return KEY.format(id=survey_id)


def create(session: Session, draft: SurveyDraft, author_id: int | None,
           now: datetime) -> Survey:
    """Insert a draft survey and its items, in their order."""
    survey = Survey(
        title=draft.title, kind=draft.kind.value, options=list(draft.options),
        max_choices=draft.max_choices, min_choices=draft.min_choices,
        allow_change=draft.allow_change, eligible=dict(draft.eligible),
        counted_levels=list(draft.counted_levels), min_participation=draft.min_participation,
        flag_above=draft.flag_above, reminders=list(draft.reminders),
        opens_at=draft.opens_at, closes_at=draft.closes_at, author_id=author_id,
        created_at=now)
    session.add(survey)
    session.flush()
    session.add_all([SurveyItem(survey_id=survey.id, position=n, kind=kind, label=label,
                                department_id=department, choices=choices)
                     for n, (kind, label, department, choices) in enumerate(draft.items)])
    session.flush()
    return survey


def items_of(session: Session, survey_id: int) -> list[SurveyItem]:
    """The survey's items in order."""
    return list(session.exec(select(SurveyItem).where(SurveyItem.survey_id == survey_id)
                             .order_by(SurveyItem.position)).all())


def all_surveys(session: Session) -> list[Survey]:
    """Every survey, newest first."""
    return list(session.exec(select(Survey).order_by(Survey.id.desc())).all())


def audience_query(survey: Survey) -> Select:
    """(person id, group id, level, counted) of every active delegate the survey names, once.

    Eligible: members of the chosen groups, and delegates of the chosen levels; the group (for
    participation per group) is the first chosen group they are in, or with no groups chosen
    their first group; `counted` when their level counts towards the rule.
    """
    groups = list(survey.eligible.get("groups") or [])
    levels = list(survey.eligible.get("levels") or [])
    of_group = Membership.group_id.in_(groups) if groups else Membership.group_id.is_not(None)
    first_group = (select(func.min(Membership.group_id))
                   .where(Membership.person_id == Person.id, of_group)
                   .correlate(Person).scalar_subquery())
    in_groups = select(Membership.person_id).where(Membership.group_id.in_(groups))
    counted = Person.level.in_(list(survey.counted_levels or []))
    return (select(Person.id, first_group, Person.level, counted)
            .where(Person.active, Person.level.is_not(None),
                   or_(Person.id.in_(in_groups), Person.level.in_(levels))))


def count_audience(session: Session, survey: Survey) -> int:
    """How many people the survey would reach now (the preview's number)."""
    chosen = audience_query(survey).subquery()
    return session.exec(select(func.count()).select_from(chosen)).one()


def open_survey(session: Session, survey_id: int) -> int | None:
    """draft → open, fixing the eligible voters in one INSERT … SELECT; how many, or None
    when the survey was not a draft (a double tap, or two people at once, open it once).
    """
    moved = session.execute(update(Survey).where(
        Survey.id == survey_id, Survey.state == SurveyState.DRAFT.value)
        .values(state=SurveyState.OPEN.value).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return None
    survey = session.get(Survey, survey_id)
    session.refresh(survey)
    chosen = audience_query(survey).subquery()
    rows = select(literal(survey_id), *chosen.c)
    statement = insert(SurveyVoter).from_select(
        ["survey_id", "person_id", "group_id", "level", "counted"], rows)
    return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def voter(session: Session, survey_id: int, person_id: int) -> SurveyVoter | None:
    """The person's eligibility row, if they are eligible."""
    return session.get(SurveyVoter, (survey_id, person_id))


def cast(session: Session, survey_id: int, person_id: int, choices: dict, today: date,
         now: datetime) -> bool:
    """Record a ballot once: True when this call cast it.

    The survey row is locked first (open and before its close; it becomes `locked`), so a
    close waits for ballots being cast; then the voter is marked only if they had not voted;
    then the ballot goes in with a random key, the voter's level and nothing else.
    """
    still_open = session.execute(update(Survey).where(
        Survey.id == survey_id, Survey.state == SurveyState.OPEN.value, Survey.closes_at > now)
        .values(locked=True).execution_options(synchronize_session=False))
    if still_open.rowcount != 1:
        return False
    marked = session.execute(update(SurveyVoter).where(
        SurveyVoter.survey_id == survey_id, SurveyVoter.person_id == person_id,
        SurveyVoter.voted_on.is_(None)).values(voted_on=today)
        .execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        return False
    level = session.exec(select(SurveyVoter.level).where(
        SurveyVoter.survey_id == survey_id, SurveyVoter.person_id == person_id)).one()
    session.execute(insert(SurveyBallot).values(
        id=uuid.uuid4().hex, survey_id=survey_id, level=level, choices=choices))
    return True


def close(session: Session, survey_id: int, now: datetime) -> bool:
    """open → closed once (the sweep and a staff member at once close it once); the ballots are
    rewritten in one statement so their storage no longer follows the order of casting.
    """
    moved = session.execute(update(Survey).where(
        Survey.id == survey_id, Survey.state == SurveyState.OPEN.value)
        .values(state=SurveyState.CLOSED.value, closed_at=now)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return False
    session.execute(update(SurveyBallot).where(SurveyBallot.survey_id == survey_id)
                    .values(level=SurveyBallot.level)
                    .execution_options(synchronize_session=False))
    drop_unfinished(session, survey_id)
    return True


def drop_unfinished(session: Session, survey_id: int) -> int:
    """Delete the half-finished ballots of a survey (choices beside a person id in their
    conversation rows): once it is closed they can never be cast; how many.
    """
    rows = session.exec(select(Conversation.person_id, Conversation.data)
                        .where(Conversation.flow == BALLOT_FLOW)).all()
    doomed = [person_id for person_id, data in rows if (data or {}).get("survey") == survey_id]
    if doomed:
        session.execute(delete(Conversation).where(Conversation.person_id.in_(doomed),
                                                   Conversation.flow == BALLOT_FLOW)
                        .execution_options(synchronize_session=False))
    return len(doomed)


def publish(session: Session, survey_id: int, now: datetime) -> bool:
    """Mark a closed survey's results published, once (a double tap, or the sweep and a person
    at once, publish once); True when this call did.
    """
    moved = session.execute(update(Survey).where(
        Survey.id == survey_id, Survey.state == SurveyState.CLOSED.value,
        Survey.results_at.is_(None)).values(results_at=now)
        .execution_options(synchronize_session=False))
    return moved.rowcount == 1


def extend(session: Session, survey_id: int, closes_at: datetime, now: datetime) -> bool:
    """Move the close later (reopening a closed survey); refused for a draft, a past time, or
    once the results are published (new ballots would then show by difference).
    """
    if closes_at <= now:
        return False
    moved = session.execute(update(Survey).where(
        Survey.id == survey_id, Survey.results_at.is_(None),
        Survey.state.in_([SurveyState.OPEN.value, SurveyState.CLOSED.value]))
        .values(closes_at=closes_at, state=SurveyState.OPEN.value, closed_at=None)
        .execution_options(synchronize_session=False))
    return moved.rowcount == 1


def due_to_close(session: Session, now: datetime) -> list[int]:
    """Open surveys whose close time has come."""
    return list(session.exec(select(Survey.id).where(
        Survey.state == SurveyState.OPEN.value, Survey.closes_at <= now)).all())


def due_to_open(session: Session, now: datetime) -> list[int]:
    """Draft surveys whose open time has come (only those a person asked to open by file)."""
    return list(session.exec(select(Survey.id).where(
        Survey.state == SurveyState.DRAFT.value, Survey.opens_at <= now)).all())


def non_voters(session: Session, survey_id: int) -> list[tuple[int, str | None]]:
    """(person id, locale) of active eligible people who have not voted, by person."""
    return list(session.exec(
        select(Person.id, Person.locale).join(SurveyVoter, SurveyVoter.person_id == Person.id)
        .where(SurveyVoter.survey_id == survey_id, SurveyVoter.voted_on.is_(None),
               Person.active).order_by(Person.id)).all())


def voters(session: Session, survey_id: int) -> list[tuple[int, str | None]]:
    """(person id, locale) of every active eligible person, by person."""
    return list(session.exec(
        select(Person.id, Person.locale).join(SurveyVoter, SurveyVoter.person_id == Person.id)
        .where(SurveyVoter.survey_id == survey_id, Person.active).order_by(Person.id)).all())


def claim_reminder(session: Session, survey_id: int, number: int) -> bool:
    """Take reminder round `number` once (a double tap, or the sweep and a person at once)."""
    done = session.execute(update(Survey).where(
        Survey.id == survey_id, Survey.reminded == number - 1,
        Survey.state == SurveyState.OPEN.value).values(reminded=number)
        .execution_options(synchronize_session=False))
    return done.rowcount == 1


@dataclass(frozen=True)
class Tally:
    """Eligible and voted in one part of the electorate."""

    label: str | None
    eligible: int
    voted: int

    @property
    def rate(self) -> float:
        """Voted ÷ eligible (0 for nobody eligible)."""
        return self.voted / self.eligible if self.eligible else 0.0


def tallies(session: Session, survey_id: int, column, *where) -> list[Tally]:
    """Participation grouped by `column` (None: overall) among voters matching `where`."""
    voted = func.count(SurveyVoter.voted_on)
    query = select(column if column is not None else literal(None), func.count(), voted) \
        .where(SurveyVoter.survey_id == survey_id, *where)
    if column is not None:
        query = query.group_by(column).order_by(column)
    return [Tally(label, eligible, count) for label, eligible, count in session.exec(query).all()]


def ballots(session: Session, survey_id: int) -> Sequence[tuple[str | None, dict]]:
    """(level, choices) of every ballot, in key order (random, not the casting order)."""
    return session.exec(select(SurveyBallot.level, SurveyBallot.choices)
                        .where(SurveyBallot.survey_id == survey_id)
                        .order_by(SurveyBallot.id)).all()

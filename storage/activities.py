"""Queries about activities: creation, invitations in bulk, answers and seats by conditional
updates, rosters, agendas, moves and cancellations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, or_, update
from sqlmodel import Session, select

from storage.activity_models import (
    Activity,
    ActivityAnswer,
    ActivityCase,
    ActivityInvite,
    ActivityKind,
    ActivityLog,
    ActivityLogPhoto,
    ActivityState,
    Answer,
)
from storage.case_models import Case
from storage.models import Membership, OutboxMessage, OutboxStatus, Person
from storage.outbox import INSERTS

KEY = "event:{id}:"  # the prefix of every outbox key of an activity


def key_prefix(activity_id: int) -> str:
    """`event:<id>:`; invitations are `<prefix>invite:<person>`, reminders
    `<prefix>remind:<start>:<minutes>:<person>`, and so on.
    """
    return KEY.format(id=activity_id)


def create(session: Session, now: datetime, **fields) -> Activity:
    """Insert an activity with the given fields."""
    activity = Activity(created_at=now, **fields)
    session.add(activity)
    session.flush()
    return activity


def invite_groups(session: Session, activity: Activity, group_ids: Sequence[int]) -> int:
    """Invite the active members of these groups: one invite row per group and one answer row
    per person (with the first of the groups they are in), in one INSERT … SELECT; people added.
    """
    session.add_all([ActivityInvite(activity_id=activity.id, group_id=gid) for gid in group_ids])
    already = select(ActivityAnswer.person_id).where(ActivityAnswer.activity_id == activity.id)
    members = (select(literal(activity.id), Membership.person_id,
                      func.min(Membership.group_id))
               .join(Person, Person.id == Membership.person_id)
               .where(Membership.group_id.in_(list(group_ids)), Person.active,
                      Membership.person_id.not_in(already))
               .group_by(Membership.person_id))
    statement = insert(ActivityAnswer).from_select(
        ["activity_id", "person_id", "group_id"], members)
    return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def invite_person(session: Session, activity_id: int, person_id: int) -> bool:
    """Invite one person (once); True when they were not invited before."""
    session.add(ActivityInvite(activity_id=activity_id, person_id=person_id))
    if answer_of(session, activity_id, person_id, even_if_left=True) is not None:
        return False
    session.add(ActivityAnswer(activity_id=activity_id, person_id=person_id))
    session.flush()
    return True


def still_invited():
    """SQL condition on an answer row: its person is invited still, by name or as a member of
    an invited group (someone a roster change took out of the group is no longer).
    """
    by_name = select(ActivityInvite.id).where(
        ActivityInvite.activity_id == ActivityAnswer.activity_id,
        ActivityInvite.person_id == ActivityAnswer.person_id)
    by_group = select(ActivityInvite.id).join(
        Membership, Membership.group_id == ActivityInvite.group_id).where(
        ActivityInvite.activity_id == ActivityAnswer.activity_id,
        Membership.person_id == ActivityAnswer.person_id)
    return or_(by_name.exists(), by_group.exists())


def answer_of(session: Session, activity_id: int, person_id: int,
              *, even_if_left: bool = False) -> ActivityAnswer | None:
    """The person's answer row (None: not invited, or no longer, unless `even_if_left`)."""
    query = select(ActivityAnswer).where(ActivityAnswer.activity_id == activity_id,
                                         ActivityAnswer.person_id == person_id)
    if not even_if_left:
        query = query.where(still_invited())
    return session.exec(query).first()


def set_answer(session: Session, answer_id: int, was: str, now: datetime, to: str, *,
               reason: str = "", late: bool = False) -> bool:
    """Move one answer from `was` to `to` (conditional on `was`); True when it moved."""
    moved = session.execute(update(ActivityAnswer).where(
        ActivityAnswer.id == answer_id, ActivityAnswer.answer == was).values(
        answer=to, reason=reason, late=late, answered_at=now)
        .execution_options(synchronize_session=False)).rowcount
    session.expire_all()
    return moved == 1


def take_seat(session: Session, activity_id: int) -> bool:
    """Take a seat if one is free (conditional at the database); True when taken."""
    taken = session.execute(update(Activity).where(
        Activity.id == activity_id, Activity.state == ActivityState.ACTIVE,
        or_(Activity.capacity.is_(None), Activity.signed_up < Activity.capacity)).values(
        signed_up=Activity.signed_up + 1).execution_options(synchronize_session=False)).rowcount
    return taken == 1


def free_seat(session: Session, activity_id: int) -> None:
    """Give a seat back."""
    session.execute(update(Activity).where(Activity.id == activity_id, Activity.signed_up > 0)
                    .values(signed_up=Activity.signed_up - 1)
                    .execution_options(synchronize_session=False))


def first_waitlisted(session: Session, activity_id: int) -> ActivityAnswer | None:
    """Who is first on the waitlist among active people (earliest answer, then lowest id)."""
    return session.exec(select(ActivityAnswer).join(
        Person, Person.id == ActivityAnswer.person_id).where(
        ActivityAnswer.activity_id == activity_id, Person.active,
        ActivityAnswer.answer == Answer.WAITLISTED).order_by(
        ActivityAnswer.answered_at, ActivityAnswer.id)).first()


def holds_of(session: Session, person_id: int, now: datetime) -> list[ActivityAnswer]:
    """The person's seats and waitlist places in standing activities that have not started."""
    return list(session.exec(select(ActivityAnswer).join(
        Activity, Activity.id == ActivityAnswer.activity_id).where(
        ActivityAnswer.person_id == person_id,
        ActivityAnswer.answer.in_([Answer.SIGNED_UP, Answer.WAITLISTED]),
        Activity.state == ActivityState.ACTIVE, Activity.start_at > now)
        .order_by(ActivityAnswer.id)).all())


def waitlist_position(session: Session, answer: ActivityAnswer) -> int:
    """1 for the first on the waitlist."""
    ahead = select(func.count()).select_from(ActivityAnswer).where(
        ActivityAnswer.activity_id == answer.activity_id,
        ActivityAnswer.answer == Answer.WAITLISTED,
        or_(ActivityAnswer.answered_at < answer.answered_at,
            (ActivityAnswer.answered_at == answer.answered_at)
            & (ActivityAnswer.id < answer.id)))
    return session.exec(ahead).one() + 1


def roster(session: Session, activity_id: int) -> list[tuple[ActivityAnswer, Person]]:
    """Every invited person with their answer, by name."""
    return list(session.exec(select(ActivityAnswer, Person).join(
        Person, Person.id == ActivityAnswer.person_id).where(
        ActivityAnswer.activity_id == activity_id).order_by(Person.name, Person.id)).all())


def people_with(session: Session, activity_id: int,
                answers: Sequence[str] | None = None) -> list[tuple[int, str | None]]:
    """(person id, locale) of the active invited people, of these answers when given."""
    query = select(Person.id, Person.locale).join(
        ActivityAnswer, ActivityAnswer.person_id == Person.id).where(
        ActivityAnswer.activity_id == activity_id, Person.active, still_invited())
    if answers is not None:
        query = query.where(ActivityAnswer.answer.in_(list(answers)))
    return [tuple(row) for row in session.exec(query.order_by(Person.id)).all()]


def visible_to(session: Session, activity: Activity, person_id: int) -> bool:
    """An unannounced visit is seen only by its organiser and the invited."""
    if activity.kind != ActivityKind.UNANNOUNCED or activity.organiser_id == person_id:
        return True
    return answer_of(session, activity.id, person_id) is not None


def invited_between(session: Session, person_id: int, since: datetime,
                    until: datetime | None = None) -> list[tuple[Activity, ActivityAnswer]]:
    """The standing activities this person is invited to that end after `since` (and start
    before `until`), soonest first.

    The person's answers are read first, by their index: joined in one query, SQLite's planner
    prefers the activities' time index and scans every activity of the period.
    """
    mine = {row.activity_id: row for row in session.exec(select(ActivityAnswer).where(
        ActivityAnswer.person_id == person_id, still_invited())).all()}
    if not mine:
        return []
    query = select(Activity).where(Activity.id.in_(list(mine)),
                                   Activity.state == ActivityState.ACTIVE, Activity.end_at > since)
    if until is not None:
        query = query.where(Activity.start_at < until)
    found = session.exec(query.order_by(Activity.start_at, Activity.id)).all()
    return [(activity, mine[activity.id]) for activity in found]


def organised_since(session: Session, person_id: int, since: datetime) -> list[Activity]:
    """The activities this person organises that end after `since`, soonest first."""
    return list(session.exec(select(Activity).where(
        Activity.organiser_id == person_id, Activity.end_at > since)
        .order_by(Activity.start_at, Activity.id)).all())


def starting_between(session: Session, since: datetime, until: datetime) -> list[Activity]:
    """Standing activities that start in [since, until] (both ends included)."""
    return list(session.exec(select(Activity).where(
        Activity.state == ActivityState.ACTIVE, Activity.start_at >= since,
        Activity.start_at <= until).order_by(Activity.start_at, Activity.id)).all())


def cancel(session: Session, activity_id: int) -> bool:
    """Cancel a standing activity (conditional); True when this call cancelled it."""
    return session.execute(update(Activity).where(
        Activity.id == activity_id, Activity.state == ActivityState.ACTIVE).values(
        state=ActivityState.CANCELLED, version=Activity.version + 1)
        .execution_options(synchronize_session=False)).rowcount == 1


def move(session: Session, activity_id: int, version: int, start: datetime, end: datetime,
         deadline: datetime | None = None) -> bool:
    """Move a standing activity (and its sign-up deadline) to a new time if it is still at
    `version`; True when moved.
    """
    moved = session.execute(update(Activity).where(
        Activity.id == activity_id, Activity.state == ActivityState.ACTIVE,
        Activity.version == version).values(start_at=start, end_at=end, signup_deadline=deadline,
                                            version=Activity.version + 1)
        .execution_options(synchronize_session=False)).rowcount == 1
    session.expire_all()
    return moved


def cancel_pending_reminders(session: Session, activity_id: int,
                             kind: str = "remind") -> int:
    """Unsent reminders of an activity (all computed for its old time; or its unsent pushes of
    another `kind`, such as invitations) never go out; how many.
    """
    prefix = f"{key_prefix(activity_id)}{kind}:"
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(prefix),
        OutboxMessage.status == OutboxStatus.PENDING).values(
        status=OutboxStatus.CANCELLED, last_error="activity moved or cancelled")
        .execution_options(synchronize_session=False)).rowcount or 0


def check_in(session: Session, answer_id: int, now: datetime, marked_by: int | None) -> bool:
    """Record attendance once (conditional on not yet checked in); True when recorded now."""
    recorded = session.execute(update(ActivityAnswer).where(
        ActivityAnswer.id == answer_id, ActivityAnswer.checked_in_at.is_(None)).values(
        checked_in_at=now, marked_by=marked_by)
        .execution_options(synchronize_session=False)).rowcount == 1
    session.expire_all()
    return recorded


def log_of(session: Session,
           activity_id: int) -> tuple[ActivityLog | None, list[ActivityLogPhoto]]:
    """The work log of an activity and its photos (None, [] when there is none)."""
    log = session.get(ActivityLog, activity_id)
    photos = list(session.exec(select(ActivityLogPhoto).where(
        ActivityLogPhoto.activity_id == activity_id).order_by(ActivityLogPhoto.position)).all())
    return log, photos


def write_log(session: Session, activity_id: int, author_id: int, text: str,
              photos: Sequence[Sequence[str]], now: datetime) -> bool:
    """Store the work log once (insert-if-absent on its key); True when this call wrote it."""
    added = session.execute(_insert_ignore(session, ActivityLog).values(
        activity_id=activity_id, author_id=author_id, text=text, created_at=now)
        .returning(ActivityLog.__table__.c.activity_id)).all()
    if len(added) != 1:
        return False
    session.add_all([ActivityLogPhoto(activity_id=activity_id, sha256=sha, ext=ext, position=n)
                     for n, (sha, ext, *_) in enumerate(photos)])
    return True


def _insert_ignore(session: Session, model):
    return INSERTS[session.get_bind().dialect.name](model.__table__).on_conflict_do_nothing()


def linked_cases(session: Session, activity_id: int) -> list[Case]:
    """The cases reported as found during this activity, oldest first."""
    return list(session.exec(select(Case).join(ActivityCase, ActivityCase.case_id == Case.id)
                             .where(ActivityCase.activity_id == activity_id)
                             .order_by(Case.created_at, Case.id)).all())


def hold_invitations(session: Session, activity_id: int, until: datetime) -> int:
    """Unsent invitations of an activity wait until `until`; how many."""
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(f"{key_prefix(activity_id)}invite:"),
        OutboxMessage.status == OutboxStatus.PENDING).values(not_before=until)
        .execution_options(synchronize_session=False)).rowcount or 0


def rest_of_series(session: Session, activity: Activity) -> list[Activity]:
    """This occurrence and the standing ones after it (just this one outside a series)."""
    if activity.series_id is None:
        return [activity]
    return list(session.exec(select(Activity).where(
        Activity.series_id == activity.series_id, Activity.state == ActivityState.ACTIVE,
        Activity.start_at >= activity.start_at).order_by(Activity.start_at)).all())


def series_position(session: Session, activity: Activity) -> tuple[int, int]:
    """(which occurrence, of how many) of its series."""
    starts = list(session.exec(select(Activity.start_at).where(
        Activity.series_id == activity.series_id).order_by(Activity.start_at)).all())
    return starts.index(activity.start_at) + 1, len(starts)


def drop_pending(session: Session, activity_id: int, kind: str) -> int:
    """Delete the unsent pushes of one kind (held invitations drawn with an old time), so they
    can be queued again, drawn anew, under the same keys; how many.
    """
    return session.execute(delete(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(f"{key_prefix(activity_id)}{kind}:"),
        OutboxMessage.status == OutboxStatus.PENDING)
        .execution_options(synchronize_session=False)).rowcount or 0

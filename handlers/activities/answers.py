"""Answering an invitation: sign up (to capacity, then the waitlist), decline, withdraw (late
after the cut-off), take leave with a reason; a freed seat goes to the first on the waitlist.

Every move is conditional at the database on the answer it was decided from, and a seat is
taken only while one is free, so two taps for the last seat give one seat.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core.context import Context, Services
from bot.core.dispatcher import Refusal
from handlers.activities import pushes
from storage import activities
from storage.activity_models import Activity, ActivityAnswer, Answer

HOLDING = (Answer.SIGNED_UP, Answer.WAITLISTED)


def cutoff(activity: Activity) -> datetime:
    """The sign-up deadline, or the start when there is none."""
    return activity.signup_deadline or activity.start_at


def sign_up(ctx: Context, activity: Activity, row: ActivityAnswer) -> str | None:
    """报名 / 参加: a seat if one is free, else the waitlist. None when nothing changed, else
    the new answer. Refused after the cut-off.
    """
    was = row.answer
    if was in HOLDING:
        return None
    if ctx.now > cutoff(activity):
        raise Refusal("events.closed", number=activity.id)
    seated = activities.take_seat(ctx.session, activity.id)
    to = Answer.SIGNED_UP if seated else Answer.WAITLISTED
    if not activities.set_answer(ctx.session, row.id, was, ctx.now, to):
        raise Refusal("events.changed", number=activity.id)
    ctx.audit(f"event.{to}", subject_type="activity", subject_id=activity.id)
    return to


def step_back(ctx: Context, activity: Activity, row: ActivityAnswer, to: str,
              reason: str = "") -> str | None:
    """不参加 / 退出 / 请假: a held seat is freed (and offered on) before the cut-off; after it
    a withdrawal is recorded as late. None when nothing changed.
    """
    was = row.answer  # read once: a conditional update below expires the loaded row
    if was == to and to != Answer.LEAVE:
        return None
    late = was == Answer.SIGNED_UP and ctx.now > cutoff(activity)
    if to == Answer.DECLINED and was in HOLDING:
        to = Answer.WITHDRAWN
    if to == Answer.WITHDRAWN and was not in HOLDING:
        return None
    if not activities.set_answer(ctx.session, row.id, was, ctx.now, to, reason=reason,
                                 late=late):
        raise Refusal("events.changed", number=activity.id)
    if was == Answer.SIGNED_UP:
        activities.free_seat(ctx.session, activity.id)
        if not late:
            promote(ctx, activity)
    ctx.audit(f"event.{to}", subject_type="activity", subject_id=activity.id,
              note="late" if late else reason[:200])
    return to


def promote(ctx: Context, activity: Activity) -> int | None:
    """Give a free seat to the first on the waitlist, who is told; their person id."""
    person_id = promote_first(ctx.session, ctx.services, activity, ctx.now)
    if person_id is not None:
        ctx.audit("event.promoted", subject_type="activity", subject_id=activity.id,
                  note=str(person_id))
    return person_id


def promote_first(session: Session, services: Services, activity: Activity,
                  now: datetime) -> int | None:
    """A free seat to the first active person waiting, who is told; their person id."""
    while (first := activities.first_waitlisted(session, activity.id)) is not None:
        if not activities.take_seat(session, activity.id):
            return None
        if activities.set_answer(session, first.id, Answer.WAITLISTED, now, Answer.SIGNED_UP):
            pushes.promoted(session, services, activity, first.person_id)
            return first.person_id
        activities.free_seat(session, activity.id)  # they answered otherwise meanwhile
    return None


def release_holds(session: Session, services: Services, person_id: int, now: datetime) -> int:
    """A deactivated person's seats and waitlist places in activities still to come are given
    up (each freed seat goes to the first active person waiting); how many.
    """
    released = 0
    for row in activities.holds_of(session, person_id, now):
        activity_id, was = row.activity_id, row.answer
        if not activities.set_answer(session, row.id, was, now, Answer.WITHDRAWN):
            continue
        released += 1
        if was == Answer.SIGNED_UP:
            activities.free_seat(session, activity_id)
            promote_first(session, services, session.get(Activity, activity_id), now)
    return released

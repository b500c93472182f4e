"""Answering an invitation: sign up (to capacity, then the waitlist), decline, withdraw (late
after the cut-off), take leave with a reason; a freed seat goes to the first on the waitlist.

Every move is conditional at the database on the answer it was decided from, and a seat is
taken only while one is free, so two taps for the last seat give one seat.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import Context
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
    while (first := activities.first_waitlisted(ctx.session, activity.id)) is not None:
        if not activities.take_seat(ctx.session, activity.id):
            return None
        if activities.set_answer(ctx.session, first.id, Answer.WAITLISTED, ctx.now,
                                 Answer.SIGNED_UP):
            pushes.promoted(ctx.session, ctx.services, activity, first.person_id)
            ctx.audit("event.promoted", subject_type="activity", subject_id=activity.id,
                      note=str(first.person_id))
            return first.person_id
        activities.free_seat(ctx.session, activity.id)  # they answered otherwise meanwhile
    return None

"""The one-step dialogs of activities: a leave's reason, a new time, a shared location for
check-in. Each re-checks everything at the step (the activity may have changed meanwhile).
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.dispatcher import Refusal
from bot.core.types import EventKind, Reply
from bot.flows.engine import StateMachine, typed_text
from handlers.activities import answers, checkin, pushes, render
from handlers.activities.access import may_manage
from handlers.activities.send import INVITE_AHEAD
from handlers.activities.times import parse_moment
from storage import activities, conversations
from storage.activity_models import Activity, ActivityState, Answer
from storage.models import Conversation

MIN_REASON, MAX_REASON = 2, 200


def _activity(ctx: Context, conversation: Conversation) -> Activity:
    activity = ctx.session.get(Activity, conversation.data["activity"])
    if activity is None or activity.state == ActivityState.CANCELLED:
        raise Refusal("events.is_cancelled", number=conversation.data["activity"])
    return activity


def _finish(ctx: Context, conversation: Conversation, machine: StateMachine, trigger: str):
    conversation.state = machine.move(conversation.state, trigger)
    conversations.finish(ctx.session, ctx.person.id)


async def leave_step(ctx: Context, conversation: Conversation,
                     machine: StateMachine) -> list[Reply]:
    """The typed reason for a leave (请假)."""
    activity = _activity(ctx, conversation)
    text = typed_text(ctx.event)
    if not text or not MIN_REASON <= len(text) <= MAX_REASON:
        return [Reply(ctx.t("events.reason_length", min=MIN_REASON, max=MAX_REASON))]
    row = activities.answer_of(ctx.session, activity.id, ctx.person.id)
    if row is None:
        raise Refusal("common.not_allowed")
    answers.step_back(ctx, activity, row, Answer.LEAVE, reason=text)
    _finish(ctx, conversation, machine, "gave")
    return [Reply(ctx.t("events.leave_taken", number=activity.id, title=activity.title,
                        reason=text))]


async def move_step(ctx: Context, conversation: Conversation,
                    machine: StateMachine) -> list[Reply]:
    """A new start (the length stays): everyone invited is told, old reminders never go out.
    For the rest of a series every later occurrence moves by the same amount.
    """
    activity = _activity(ctx, conversation)
    if not may_manage(ctx, activity):
        raise Refusal("common.not_allowed")
    zone = ctx.services.settings.tz
    text = typed_text(ctx.event)
    start = parse_moment(text, ctx.now.astimezone(zone).date(), zone) if text else None
    if start is None:
        return [Reply(ctx.t("events.time_unreadable"))]
    if start <= ctx.now:
        return [Reply(ctx.t("events.start_past"))]
    if activity.version != conversation.data["version"]:
        raise Refusal("events.changed", number=activity.id)
    delta = start - activity.start_at
    moving = activities.rest_of_series(ctx.session, activity) \
        if conversation.data.get("series") else [activity]
    told = sum(_move_one(ctx, each, delta) for each in moving)
    _finish(ctx, conversation, machine, "moved")
    activity = ctx.session.get(Activity, activity.id)
    if len(moving) > 1:
        return [Reply(ctx.t("events.moved_series", count=len(moving), people=told,
                            when=render.span(ctx.t, activity, zone)))]
    return [Reply(ctx.t("events.moved", number=activity.id, count=told,
                        when=render.span(ctx.t, activity, zone)))]


def _move_one(ctx: Context, activity: Activity, delta) -> int:
    """Move one activity by `delta` (conditional on the version read); how many were told."""
    deadline = activity.signup_deadline + delta if activity.signup_deadline else None
    if not activities.move(ctx.session, activity.id, activity.version,
                           activity.start_at + delta, activity.end_at + delta, deadline):
        raise Refusal("events.changed", number=activity.id)
    moved = ctx.session.get(Activity, activity.id)
    dropped = activities.cancel_pending_reminders(ctx.session, moved.id)
    if activities.drop_pending(ctx.session, moved.id, "invite"):  # held, drawn with the old time
        pushes.invite_all(ctx.session, ctx.services, moved,
                          not_before=moved.start_at - INVITE_AHEAD)
    told = pushes.moved(ctx.session, ctx.services, moved)
    ctx.audit("event.moved", subject_type="activity", subject_id=moved.id,
              note=f"{moved.start_at.isoformat()} told {told}, reminders dropped {dropped}")
    return told


async def checkin_step(ctx: Context, conversation: Conversation,
                       machine: StateMachine) -> list[Reply]:
    """The location shared for a check-in."""
    activity = _activity(ctx, conversation)
    event = ctx.event
    if event.kind is not EventKind.LOCATION or not (event.location and event.location.valid):
        return [Reply(ctx.t("events.ask_location", number=activity.id))]
    row = activities.answer_of(ctx.session, activity.id, ctx.person.id)
    if row is None:
        raise Refusal("common.not_allowed")
    problem = checkin.problem(ctx, activity, row)
    if problem:
        raise Refusal(problem, number=activity.id)
    replies = checkin.record(ctx, activity, row, event.location)
    _finish(ctx, conversation, machine, "arrived")
    return replies

""""Found during this inspection" (本次视察发现): while a delegate is checked in to an inspection
or visit, within its window (an hour before the start to two hours after the end), the report
preview offers to link the new case to it; the link is re-checked when the case is submitted.
"""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.types import Button
from handlers.activities.checkin import CLOSES_AFTER, OPENS_BEFORE
from storage.activity_models import Activity, ActivityAnswer, ActivityCase, ActivityState
from storage.case_models import Case
from storage.duty import VISITS

KEY = "activity_id"  # where the report draft keeps the chosen inspection


def offered(ctx: Context) -> Activity | None:
    """The inspection the reporter is checked in to and in the window of now, if any."""
    now = ctx.now
    return ctx.session.exec(select(Activity).join(
        ActivityAnswer, ActivityAnswer.activity_id == Activity.id).where(
        ActivityAnswer.person_id == ctx.person.id, ActivityAnswer.checked_in_at.is_not(None),
        Activity.state == ActivityState.ACTIVE, Activity.kind.in_(VISITS),
        Activity.start_at <= now + OPENS_BEFORE, Activity.end_at >= now - CLOSES_AFTER)
        .order_by(Activity.start_at.desc())).first()


def button(ctx: Context, draft: dict, payload: str) -> list[Button]:
    """The preview's toggle (ticked when chosen), or nothing when no inspection is offered."""
    activity = offered(ctx)
    if activity is None:
        return []
    key = "events.found_chosen" if draft.get(KEY) == activity.id else "events.found_offer"
    return [Button(ctx.t(key, title=activity.title), payload)]


def toggle(ctx: Context, draft: dict) -> bool:
    """Choose (or unchoose) the offered inspection; False when none is offered."""
    activity = offered(ctx)
    if activity is None:
        draft.pop(KEY, None)
        return False
    draft[KEY] = None if draft.get(KEY) == activity.id else activity.id
    return True


def link(ctx: Context, draft: dict, case: Case) -> None:
    """At submission: link the case when the chosen inspection is still the one offered."""
    chosen, activity = draft.get(KEY), offered(ctx) if draft.get(KEY) else None
    if chosen and activity is not None and activity.id == chosen:
        ctx.session.add(ActivityCase(activity_id=chosen, case_id=case.id, linked_at=ctx.now))
        ctx.audit("event.case_found", subject_type="activity", subject_id=chosen,
                  note=case.number)

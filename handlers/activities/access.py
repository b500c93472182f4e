"""Who may see and manage an activity: the invited answer, the organiser and staff manage;
an unannounced visit (明察暗访) is seen only by the invited and its organiser.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.numbers import parse_int
from storage import activities
from storage.activity_models import Activity
from storage.models import Role


def load(ctx: Context, raw: str | None) -> Activity | None:
    """The activity a payload or argument names, if it exists and the actor may see it."""
    number = parse_int((raw or "").lstrip("#"))
    activity = ctx.session.get(Activity, number) if number is not None else None
    if activity is None or not activities.visible_to(ctx.session, activity, ctx.person.id):
        return None
    return activity


def may_manage(ctx: Context, activity: Activity) -> bool:
    """The organiser, or staff."""
    return activity.organiser_id == ctx.person.id or ctx.has_any(Role.STAFF)

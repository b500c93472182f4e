"""Check-in: from 1 hour before the start to 2 hours after, by those signed up; within a radius
(a setting, default 1 km) of the activity's location when it has one (the organiser's marks by
hand are on the roster).
"""

from __future__ import annotations

import math
from datetime import timedelta

from bot.core.context import Context
from bot.core.types import Location, Reply
from storage import activities
from storage.activity_models import Activity, ActivityAnswer, Answer

OPENS_BEFORE, CLOSES_AFTER = timedelta(hours=1), timedelta(hours=2)
EARTH_RADIUS_M = 6_371_000


def distance_m(a: Location, lat: float, lon: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a.latitude), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lon - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def problem(ctx: Context, activity: Activity, row: ActivityAnswer) -> str | None:
    """Why this person may not check in now (a catalog key), or None."""
    if row.answer != Answer.SIGNED_UP:
        return "events.checkin_not_signed_up"
    if row.checked_in_at is not None:
        return "events.checkin_already"
    if ctx.now < activity.start_at - OPENS_BEFORE:
        return "events.checkin_too_early"
    if ctx.now > activity.start_at + CLOSES_AFTER:
        return "events.checkin_too_late"
    return None


def record(ctx: Context, activity: Activity, row: ActivityAnswer,
           where: Location | None) -> list[Reply]:
    """Check in, once; a shared location must lie within the radius."""
    if where is not None:
        metres = distance_m(where, activity.latitude, activity.longitude)
        radius = ctx.services.settings.event_checkin_radius_m
        if metres > radius:
            ctx.audit("event.checkin_far", subject_type="activity", subject_id=activity.id,
                      note=f"{metres:.0f} m")
            return [Reply(ctx.t("events.checkin_far", number=activity.id, metres=round(metres),
                                radius=radius))]
    if not activities.check_in(ctx.session, row.id, ctx.now, None):
        return [Reply(ctx.t("events.checkin_already", number=activity.id))]
    ctx.audit("event.checked_in", subject_type="activity", subject_id=activity.id)
    return [Reply(ctx.t("events.checked_in", number=activity.id, title=activity.title))]

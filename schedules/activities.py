"""The reminder sweep of activities: to those signed up, some hours before the start
(settings, default 24 h and 2 h), with the time, the place and its map link.

Idempotent: each reminder's outbox key holds the activity's start it was computed for and the
offset (`event:<id>:remind:<start>:<minutes>:<person>`), so a re-run, a missed run, a restart or
a second process queues each once, and a moved activity's old reminders can never be queued
again (those still unsent are cancelled when it moves). Held through quiet hours, and skipped
when quiet hours would hold them past the start.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.core.context import Services
from bot.core.quiet import next_allowed
from handlers.activities import pushes
from storage import activities
from storage.activity_models import Activity, Answer
from storage.db import unit_of_work

log = logging.getLogger(__name__)
MAX_HOURS = 168  # offsets beyond a week (or not positive) are ignored


def offsets(services: Services) -> list[timedelta]:
    """The reminder offsets, longest first."""
    hours = sorted(set(services.settings.event_reminder_hours), reverse=True)
    return [timedelta(hours=h) for h in hours if 0 < h <= MAX_HOURS]


def due_offset(activity: Activity, now: datetime, steps: list[timedelta]) -> timedelta | None:
    """The shortest offset whose moment has come (only the latest reminder is sent when a
    sweep finds several due, e.g. an activity created 3 hours before its start).
    """
    reached = [step for step in steps if activity.start_at - step <= now < activity.start_at]
    return min(reached) if reached else None


def run_event_reminders(engine: Engine, services: Services) -> int:
    """The scheduled job: reminders due now, one transaction per activity; rows added."""
    now, steps = services.clock.utcnow(), offsets(services)
    if not steps:
        return 0
    settings = services.settings
    allowed = next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end, settings.tz)
    with unit_of_work(engine, read_only=True) as session:
        soon = activities.starting_between(session, now, now + max(steps))
    queued = 0
    for activity in soon:
        step = due_offset(activity, now, steps)
        if step is None or allowed >= activity.start_at:
            continue
        with unit_of_work(engine) as session:
            fresh = session.get(Activity, activity.id)
            if fresh is None or fresh.version != activity.version:
                continue  # moved or cancelled since the list was read: the next run decides
            people = activities.people_with(session, fresh.id, [Answer.SIGNED_UP])
            queued += pushes.reminders(session, services, fresh, int(step.total_seconds() // 60),
                                       people)
    if queued:
        log.info("activity reminder sweep: %d push(es) queued", queued)
    return queued

"""An activity's pushes, all through the outbox under keys that make each happen once:
invitations, promotion from the waitlist, a new time, a cancellation, reminders, nudges.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from bot.core.context import Services
from bot.core.quiet import next_allowed
from bot.core.types import Button, Reply, button_rows
from handlers.activities import render
from handlers.notices.pushes import fan_out
from storage import activities
from storage.activity_models import Activity, Answer
from storage.models import Person


def organiser_of(session: Session, activity: Activity) -> str:
    """The organiser's name."""
    person = session.get(Person, activity.organiser_id)
    return person.name if person else "—"


def _prefix(activity: Activity) -> str:
    return activities.key_prefix(activity.id)


def invite_all(session: Session, services: Services, activity: Activity,
               not_before: datetime | None = None) -> int:
    """The invitation to every active invited person but the organiser, from `not_before`
    (a later occurrence of a series: a week ahead) or now; rows added.
    """
    organiser, zone = organiser_of(session, activity), services.settings.tz
    people = [p for p in activities.people_with(session, activity.id)
              if p[0] != activity.organiser_id]
    added = fan_out(session, services, people, lambda pid: f"{_prefix(activity)}invite:{pid}",
                    lambda t: render.invitation(t, activity, zone, organiser), quiet=True)
    if not_before is not None and not_before > services.clock.utcnow():
        settings = services.settings
        activities.hold_invitations(session, activity.id, next_allowed(
            not_before, settings.quiet_hours_start, settings.quiet_hours_end, zone))
    return added


def nudge(session: Session, services: Services, activity: Activity, day: str) -> int:
    """Remind those who have not answered (once a day each); rows added."""
    organiser, zone = organiser_of(session, activity), services.settings.tz
    people = [p for p in activities.people_with(session, activity.id, [Answer.NONE])
              if p[0] != activity.organiser_id]
    return fan_out(session, services, people,
                   lambda pid: f"{_prefix(activity)}nudge:{day}:{pid}",
                   lambda t: render.invitation(t, activity, zone, organiser), quiet=True)


def promoted(session: Session, services: Services, activity: Activity, person_id: int) -> int:
    """Tell the first on the waitlist they now have a seat."""
    person, zone = session.get(Person, person_id), services.settings.tz
    organiser = organiser_of(session, activity)
    return fan_out(session, services, [(person_id, person.locale if person else None)],
                   lambda pid: f"{_prefix(activity)}promoted:{activity.version}:{pid}",
                   lambda t: Reply(t("events.promoted", summary=render.summary(
                       t, activity, zone, organiser)), render.answer_buttons(
                       t, activity, Answer.SIGNED_UP)), quiet=True)


def moved(session: Session, services: Services, activity: Activity) -> int:
    """Tell everyone invited the new time (keyed by it, so each move is told once)."""
    organiser, zone = organiser_of(session, activity), services.settings.tz
    stamp = activity.start_at.strftime("%Y%m%dT%H%M")
    people = [p for p in activities.people_with(session, activity.id)
              if p[0] != activity.organiser_id]
    return fan_out(session, services, people,
                   lambda pid: f"{_prefix(activity)}moved:{stamp}:{pid}",
                   lambda t: Reply(t("events.moved_push", summary=render.summary(
                       t, activity, zone, organiser))), quiet=True)


def cancelled(session: Session, services: Services, activity: Activity) -> int:
    """Tell those who had signed up (or were waiting) that it is off."""
    zone = services.settings.tz
    people = activities.people_with(session, activity.id, [Answer.SIGNED_UP, Answer.WAITLISTED])
    return fan_out(session, services, people, lambda pid: f"{_prefix(activity)}cancelled:{pid}",
                   lambda t: Reply(t("events.cancelled_push", number=activity.id,
                                     kind=render.kind_label(t, activity.kind),
                                     title=activity.title,
                                     when=render.span(t, activity, zone))), quiet=True)


def reminder_key(activity: Activity, minutes: int, person_id: int) -> str:
    """Keyed by the start it was computed for: after a move no old key can be queued again."""
    stamp = activity.start_at.strftime("%Y%m%dT%H%M")
    return f"{_prefix(activity)}remind:{stamp}:{minutes}:{person_id}"


def reminders(session: Session, services: Services, activity: Activity, minutes: int,
              people: Iterable[tuple[int, str | None]]) -> int:
    """The reminder `minutes` before the start to `people`; rows added (0 on a re-run)."""
    organiser, zone = organiser_of(session, activity), services.settings.tz

    def draw(t) -> Reply:
        buttons = button_rows([Button(t("events.check_in"), f"ev:ci:{activity.id}")])
        return Reply(t("events.reminder", summary=render.summary(t, activity, zone, organiser)),
                     buttons)

    return fan_out(session, services, list(people),
                   lambda pid: reminder_key(activity, minutes, pid), draw, quiet=True)

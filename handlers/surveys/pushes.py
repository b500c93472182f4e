"""A survey's pushes in bulk: each person's own copy (its button names them), via the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlmodel import Session

from bot.core.context import Services, new_push
from bot.core.types import Reply
from bot.i18n import Translator
from handlers.surveys import render
from storage import outbox, surveys
from storage.survey_models import Survey

Draw = Callable[[Translator, int], Reply]


def fan_out(session: Session, services: Services, people: Iterable[tuple[int, str | None]],
            key: Callable[[int], str], draw: Draw) -> int:
    """Queue `draw(t, person id)` to each (person id, locale) under `key(person id)`, held
    through quiet hours; rows added (a key already queued is skipped).
    """
    translators: dict[str | None, Translator] = {}
    pushes = []
    for person_id, locale in people:
        if locale not in translators:
            translators[locale] = services.catalogs.translator(locale)
        reply = draw(translators[locale], person_id)
        pushes.append(new_push(services, person_id, key(person_id), reply, quiet=True))
    return outbox.enqueue_many(session, pushes, services.clock.utcnow())


def queue_opening(session: Session, services: Services, survey: Survey) -> int:
    """The survey to every eligible voter."""
    items = len(render.pages(survey, surveys.items_of(session, survey.id)))
    tz, prefix = services.settings.tz, surveys.key_prefix(survey.id)
    return fan_out(session, services, surveys.voters(session, survey.id),
                   lambda pid: f"{prefix}open:{pid}",
                   lambda t, pid: render.open_push(t, survey, items, tz, pid))


def queue_reminders(session: Session, services: Services, survey: Survey, number: int) -> int:
    """Reminder round `number` to those who have not voted (never to those who have)."""
    tz, prefix = services.settings.tz, surveys.key_prefix(survey.id)
    return fan_out(session, services, surveys.non_voters(session, survey.id),
                   lambda pid: f"{prefix}remind:{number}:{pid}",
                   lambda t, pid: render.reminder_push(t, survey, tz, pid))


def queue_extension(session: Session, services: Services, survey: Survey) -> int:
    """The new close time, to those who have not voted."""
    tz, prefix = services.settings.tz, surveys.key_prefix(survey.id)
    stamp = survey.closes_at.strftime("%Y%m%d%H%M")
    return fan_out(session, services, surveys.non_voters(session, survey.id),
                   lambda pid: f"{prefix}extended:{stamp}:{pid}",
                   lambda t, pid: render.extended_push(t, survey, tz, pid))

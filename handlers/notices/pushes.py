"""A notice's pushes in bulk: rendered once per language, queued insert-if-absent in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from bot.core.context import Services, new_push
from bot.core.types import Reply
from bot.i18n import Translator
from handlers.notices import render
from storage import notices, outbox
from storage.models import Person
from storage.notice_models import Notice

Render = Callable[[Translator], Reply]


def fan_out(session: Session, services: Services, people: Iterable[tuple[int, str | None]],
            key: Callable[[int], str], draw: Render, *, quiet: bool) -> int:
    """Queue `draw(t)` to each (person id, locale) under `key(person id)`; rows added.

    The reply is drawn and serialised once per language, not per person, and the rows go to
    the outbox in batched multi-row inserts.
    """
    translators: dict[str | None, Translator] = {}
    templates: dict[str, outbox.NewPush] = {}
    pushes = []
    for person_id, locale in people:
        if locale not in translators:
            translators[locale] = services.catalogs.translator(locale)
        t = translators[locale]
        if t.locale not in templates:
            templates[t.locale] = new_push(services, person_id, "", draw(t), quiet=quiet)
        pushes.append(replace(templates[t.locale], dedupe_key=key(person_id),
                              person_id=person_id))
    return outbox.enqueue_many(session, pushes, services.clock.utcnow())


def author_of(session: Session, notice: Notice) -> str:
    """The name the notice is signed with."""
    author = session.get(Person, notice.author_id)
    return author.name if author else "—"


def queue_notice(session: Session, services: Services, notice: Notice) -> int:
    """The notice to every active recipient, held through quiet hours unless urgent."""
    author, files = author_of(session, notice), notices.files_of(session, notice.id)
    prefix = notices.key_prefix(notice.id)
    return fan_out(session, services, notices.recipients(session, notice.id),
                   lambda pid: f"{prefix}{pid}",
                   lambda t: render.notice_push(t, notice, author, files, services.media),
                   quiet=not notice.urgent)


def queue_repings(session: Session, services: Services, notice: Notice, number: int,
                  where: list, now: datetime,
                  people: list[tuple[int, str | None]] | None = None) -> int:
    """Re-ping `number` to the recipients matching `where` (`people`, when already read),
    stamped as reminded; rows added.
    """
    author, prefix = author_of(session, notice), notices.key_prefix(notice.id)
    people = notices.recipients(session, notice.id, *where) if people is None else people
    added = fan_out(session, services, people, lambda pid: f"{prefix}reping:{number}:{pid}",
                    lambda t: render.reping_push(t, notice, author), quiet=not notice.urgent)
    notices.mark_reminded(session, where, now)
    return added


def queue_withdrawals(session: Session, services: Services, notice: Notice) -> int:
    """Tell everyone the notice went out to that it is withdrawn; rows added."""
    author, prefix = author_of(session, notice), notices.key_prefix(notice.id)
    return fan_out(session, services, notices.had_it(session, notice.id),
                   lambda pid: f"{prefix}withdrawn:{pid}",
                   lambda t: render.withdrawn_push(t, notice, author), quiet=not notice.urgent)

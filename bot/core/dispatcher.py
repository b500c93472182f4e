"""Handles one event: per-user serialization, one transaction, route, commit, then replies."""

from __future__ import annotations

import asyncio
import logging
import time
from weakref import WeakValueDictionary

from sqlalchemy.engine import Engine

from bot.core.context import Context, Services
from bot.core.router import Router
from bot.core.types import Event, EventKind, Reply
from storage import identities
from storage.db import unit_of_work
from storage.people import effective_roles

log = logging.getLogger("liandong.events")


class Refusal(Exception):
    """Raised by a handler to undo the transaction and answer with a catalog message."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


class Dispatcher:
    """Turns events into replies; replies are returned only after the transaction commits."""

    def __init__(self, engine: Engine, router: Router, services: Services) -> None:
        self.engine, self.router, self.services = engine, router, services
        self._locks: WeakValueDictionary[tuple[str, str], asyncio.Lock] = WeakValueDictionary()

    def _lock_for(self, event: Event) -> asyncio.Lock:
        key = (event.channel, event.user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, event: Event) -> list[Reply]:
        """Process one event and return the replies for its sender."""
        lock = self._lock_for(event)
        async with lock:
            started = time.perf_counter()
            who, outcome = "-", "ok"
            try:
                replies, who = await self._handle_in_transaction(event)
            except Refusal as refusal:
                outcome = f"refused:{refusal.key}"
                replies = [Reply(self._translator(event)(refusal.key, **refusal.values))]
            except Exception:
                outcome = "error"
                log.exception("event failed channel=%s user=%s", event.channel, event.user_id)
                replies = [Reply(self._translator(event)("common.error"))]
            log.info("event channel=%s user=%s person=%s what=%s outcome=%s replies=%d %.1fms",
                     event.channel, event.user_id, who, _describe(event), outcome, len(replies),
                     (time.perf_counter() - started) * 1000)
            return replies

    async def _handle_in_transaction(self, event: Event) -> tuple[list[Reply], str]:
        clock = self.services.clock
        with unit_of_work(self.engine) as session:
            if event.update_key and not identities.first_time_seen(
                    session, event.channel, event.update_key, clock.utcnow()):
                return [], "duplicate"
            person = identities.resolve(session, event.channel, event.user_id)
            roles = effective_roles(session, person) if person else frozenset()
            ctx = Context(session, event, self.services, person, roles)
            who = f"{person.id}" if person else "unbound"
            if len(event.text) > self.services.settings.max_text_length:
                return [Reply(ctx.t("common.too_long",
                                    limit=self.services.settings.max_text_length))], who
            replies = await self.router.route(ctx)
        return replies, who

    def _translator(self, event: Event):
        """The sender's translator, looked up afresh after a rolled-back transaction."""
        with unit_of_work(self.engine) as session:
            person = identities.resolve(session, event.channel, event.user_id)
            locale = person.locale if person and person.locale else event.language_hint
        return self.services.catalogs.translator(locale)


def _describe(event: Event) -> str:
    if event.kind is EventKind.COMMAND:
        return f"/{event.command}"
    if event.kind is EventKind.BUTTON:
        return f"button:{event.payload}"
    return event.kind.value

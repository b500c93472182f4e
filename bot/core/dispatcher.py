"""Handles one event: per-user serialization, one transaction, route, commit, then replies."""

from __future__ import annotations

import asyncio
import logging
import time
from weakref import WeakValueDictionary

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError

from bot.core.context import Context, Services
from bot.core.intake import MediaIntake
from bot.core.router import Router
from bot.core.throttle import RateLimiter, Verdict
from bot.core.types import Button, Event, EventKind, Reply, button_rows
from storage import identities, outbox
from storage.db import unit_of_work
from storage.models import Conversation
from storage.outbox_signal import mark_queued
from storage.people import effective_roles

log = logging.getLogger("liandong.events")


class Refusal(Exception):
    """Raised by a handler to undo the transaction and answer with a catalog message.

    A refusal met in a step of a dialog also ends that dialog: the step can never succeed now
    (someone else moved the case first), so the person is told why and let go.
    """

    def __init__(self, key: str, buttons: tuple[tuple[str, str], ...] = (),
                 **values: object) -> None:
        super().__init__(key)
        self.key, self.values, self.buttons = key, values, buttons  # (label key, payload)


class Dispatcher:
    """Turns events into replies; replies are returned only after the transaction commits."""

    def __init__(self, engine: Engine, router: Router, services: Services) -> None:
        self.engine, self.router, self.services = engine, router, services
        self.intake = MediaIntake(engine, router, services)
        self._locks: WeakValueDictionary[tuple[str, str], asyncio.Lock] = WeakValueDictionary()
        self.limiter = RateLimiter(services.settings.rate_limit_per_minute, services.clock)

    def _lock_for(self, event: Event) -> asyncio.Lock:
        key = (event.channel, event.user_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, event: Event) -> list[Reply]:
        """Process one event and return the replies for its sender."""
        event = event.cleaned()
        verdict = self.limiter.check((event.channel, event.user_id))
        if verdict is not Verdict.ALLOW:
            log.info("event channel=%s user=%s throttled=%s", event.channel, event.user_id,
                     verdict.value)
            return [Reply(self._translator(event)("common.slow_down"))] \
                if verdict is Verdict.WARN else []
        lock = self._lock_for(event)
        async with lock:
            started = time.perf_counter()
            trace = _Trace()
            try:
                event = await self.intake.receive(event)  # downloads happen outside a transaction
                replies = await self._handle_in_transaction(event, trace)
                replies += await self._after_commit(trace)
            except Refusal as refusal:
                trace.outcome = f"refused:{refusal.key}"
                replies = self._refused(event, trace, refusal.key, refusal.values,
                                        refusal.buttons)
            except StaleDataError:
                trace.outcome = "conflict"
                replies = self._refused(event, trace, "common.changed_meanwhile", {})
            except Exception:
                trace.outcome = "error"
                log.exception("event failed channel=%s user=%s", event.channel, event.user_id)
                replies = [Reply(self._translator(event)("common.error"))]
            log.info("event channel=%s user=%s person=%s what=%s outcome=%s replies=%d %.1fms",
                     event.channel, event.user_id, trace.who, _describe(event), trace.outcome,
                     len(replies), (time.perf_counter() - started) * 1000)
            return replies

    async def _handle_in_transaction(self, event: Event, trace: _Trace) -> list[Reply]:
        clock = self.services.clock
        with unit_of_work(self.engine) as session:
            if event.update_key and not identities.first_time_seen(
                    session, event.channel, event.update_key, clock.utcnow()):
                trace.duplicate = True
                return []
            person = identities.resolve(session, event.channel, event.user_id)
            if person is not None and identities.mark_reachable(session, event.channel,
                                                                 event.user_id):
                outbox.wake_person(session, person.id, clock.utcnow())  # they wrote: go ahead
                mark_queued(session)
            roles = effective_roles(session, person) if person else frozenset()
            ctx = Context(session, event, self.services, person, roles)
            trace.begin(ctx)
            if len(event.text) > self.services.settings.max_text_length:
                return [Reply(ctx.t("common.too_long",
                                    limit=self.services.settings.max_text_length))]
            replies = await self.router.route(ctx)
        return replies

    async def _after_commit(self, trace: _Trace) -> list[Reply]:
        """The work handlers left for after the commit (see Context.after_commit)."""
        replies: list[Reply] = []
        for work in trace.ctx.later if trace.ctx else ():
            replies += await work()
        return replies

    def _refused(self, event: Event, trace: _Trace, key: str, values: dict,
                 buttons: tuple[tuple[str, str], ...] = ()) -> list[Reply]:
        """The refusal in the sender's language; a refused dialog step also ends the dialog."""
        t = self._translator(event)
        text = t(key, **values)
        if trace.flow_step and trace.person_id and self._end_flow(trace):
            text += "\n" + t("common.flow_ended")
        rows = button_rows([Button(t(label), payload) for label, payload in buttons])
        return [Reply(text, buttons=rows)]

    def _end_flow(self, trace: _Trace) -> bool:
        with unit_of_work(self.engine) as session:
            ended = session.execute(delete(Conversation).where(
                Conversation.person_id == trace.person_id, Conversation.flow == trace.flow_step))
        return bool(ended.rowcount)

    def _translator(self, event: Event):
        """The sender's translator, looked up afresh after a rolled-back transaction."""
        with unit_of_work(self.engine, read_only=True) as session:
            person = identities.resolve(session, event.channel, event.user_id)
            locale = person.locale if person and person.locale else event.language_hint
        return self.services.catalogs.translator(locale)


class _Trace:
    """What is known of an event's handling when it fails: who, and which dialog step."""

    def __init__(self) -> None:
        self.outcome = "ok"
        self.duplicate = False
        self.ctx: Context | None = None
        self.person_id: int | None = None  # read before a rollback expires the Person

    def begin(self, ctx: Context) -> None:
        """The event's context is built: remember it and who sent the event."""
        self.ctx, self.person_id = ctx, ctx.person.id if ctx.person else None

    @property
    def flow_step(self) -> str | None:
        """The dialog the event was routed into, if any (set by the router)."""
        return self.ctx.flow_step if self.ctx else None

    @property
    def who(self) -> str:
        """For the log line."""
        if self.duplicate:
            return "duplicate"
        return str(self.person_id or "unbound") if self.ctx else "-"


def _describe(event: Event) -> str:
    if event.kind is EventKind.COMMAND:
        return f"/{event.command}"
    if event.kind is EventKind.BUTTON:
        return f"button:{event.payload}"
    return event.kind.value

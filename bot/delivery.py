"""The outbox worker: claims due pushes, sends them, retries with backoff, records failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.core.channel import Channel, PermanentDeliveryError, TransientDeliveryError
from bot.core.clock import Clock
from bot.core.types import Reply
from storage import identities, outbox
from storage.db import unit_of_work
from storage.models import OutboxMessage, Person

log = logging.getLogger("liandong.delivery")
MAX_ATTEMPTS = 12
UNREACHABLE_RETRY = timedelta(hours=1)
UNREACHABLE_GIVE_UP = timedelta(days=7)
INACTIVE = object()  # _target's answer for a deactivated person


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """How long to wait before the next try: the server's word, else exponential to one hour."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1))
    return timedelta(seconds=min(5 * 2 ** attempts, 3600))


class DeliveryWorker:
    """Sends outbox rows through the first channel on which the person is reachable."""

    def __init__(self, engine: Engine, channels: Sequence[Channel], clock: Clock) -> None:
        self.engine, self.channels, self.clock = engine, list(channels), clock

    async def run_once(self, limit: int = 50) -> int:
        """Deliver what is due now; returns how many were sent."""
        with unit_of_work(self.engine) as session:
            claimed = [(row.id, row.person_id, row.payload, row.attempts, row.created_at)
                       for row in outbox.claim_due(session, self.clock.utcnow(), limit)]
        sent = 0
        for row in claimed:
            try:
                sent += await self._deliver(*row)
            except Exception as exc:  # one bad row must not jam the outbox: count it, go on
                log.exception("push %s failed unexpectedly", row[0])
                self._retry_or_fail(row[0], row[3], TransientDeliveryError(
                    f"unexpected {type(exc).__name__}: {exc}"))
        return sent

    async def run_forever(self, poll_seconds: float, stop: asyncio.Event) -> None:
        """Poll until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("delivery round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=poll_seconds)

    async def _deliver(self, message_id, person_id, payload, attempts, created_at) -> int:
        target = self._target(person_id)
        if target is INACTIVE:
            self._finish(lambda s: outbox.mark_cancelled(s, message_id, "person deactivated"))
            return 0
        if target is None:
            return self._unreachable(message_id, created_at)
        channel, address = target
        try:
            await channel.send(address, Reply.from_dict(payload))
        except TransientDeliveryError as exc:
            self._retry_or_fail(message_id, attempts, exc)
            return 0
        except PermanentDeliveryError as exc:
            error = str(exc)
            self._finish(lambda s: outbox.mark_failed(s, message_id, error))
            log.warning("push %s failed for good: %s", message_id, error)
            return 0
        self._finish(lambda s: outbox.mark_sent(s, message_id, channel.name, self.clock.utcnow()))
        return 1

    def _target(self, person_id: int) -> tuple[Channel, str] | None:
        with unit_of_work(self.engine) as session:
            person = session.get(Person, person_id)
            accounts = identities.addresses_of(session, person_id)
        if person is None:
            return None
        if not person.active:
            return INACTIVE
        for channel in self.channels:
            address = channel.address_for(person_id, accounts, person.name)
            if address is not None:
                return channel, address
        return None

    def _unreachable(self, message_id: int, created_at: datetime) -> int:
        now = self.clock.utcnow()
        if now - created_at > UNREACHABLE_GIVE_UP:
            self._finish(lambda s: outbox.mark_failed(s, message_id, "no bound chat account"))
        else:
            self._finish(lambda s: outbox.mark_retry(
                s, message_id, "no bound chat account", now + UNREACHABLE_RETRY))
        return 0

    def _retry_or_fail(self, message_id: int, attempts: int, exc: TransientDeliveryError) -> None:
        if attempts + 1 >= MAX_ATTEMPTS:
            self._finish(lambda s: outbox.mark_failed(s, message_id, f"gave up: {exc}"))
            return
        when = self.clock.utcnow() + backoff(attempts, exc.retry_after)
        self._finish(lambda s: outbox.mark_retry(s, message_id, str(exc), when))

    def _finish(self, change) -> None:
        with unit_of_work(self.engine) as session:
            change(session)


def pending_count(engine: Engine) -> int:
    """Rows still waiting to be sent (for status output and tests)."""
    from sqlmodel import func, select

    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_(["pending", "sending"]))).one()

"""The outbox worker: claims due pushes, sends them concurrently within each channel's limits.

Outcomes are recorded every half second, so a crash re-sends at most what was in flight then;
claims carry a token naming the worker, so a worker that died is recognised at the next start
(same host) or after the stale-claim timeout, and two workers never send the same row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from bot.core.channel import (
    Channel,
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnreachableError,
)
from bot.core.clock import Clock
from bot.core.types import Reply
from bot.delivery_limits import ChannelGate
from storage import identities, outbox
from storage.db import unit_of_work
from storage.models import OutboxMessage, OutboxStatus, Person
from storage.outbox_signal import OutboxSignal

log = logging.getLogger("liandong.delivery")
MAX_ATTEMPTS = 12
UNREACHABLE_RETRY = timedelta(hours=1)
UNREACHABLE_GIVE_UP = timedelta(days=7)
HOST = socket.gethostname()[:30]
RECORD_EVERY = 0.5  # seconds between writes of what was sent
LANES = 2


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """How long to wait before the next try: the server's word, else exponential to one hour."""
    if retry_after is not None:
        return timedelta(seconds=max(retry_after, 1))
    return timedelta(seconds=min(5 * 2 ** attempts, 3600))


@dataclass
class Job:
    """One claimed push: its row, and where it goes (None: nowhere reachable, or inactive)."""

    row: OutboxMessage
    channel: Channel | None = None
    address: str | None = None
    account: str | None = None  # the bound chat account behind the address
    inactive: bool = False


@dataclass
class Round:
    """What a batch's sends came to since it was last recorded."""

    sent: dict[int, str] = field(default_factory=dict)  # row id → channel name
    changes: list = field(default_factory=list)  # callables(session) for the other outcomes

    def take(self) -> Round:
        """Everything so far, leaving this round empty."""
        taken = Round(self.sent, self.changes)
        self.sent, self.changes = {}, []
        return taken


class DeliveryWorker:
    """Sends outbox rows through the first channel on which the person is reachable."""

    def __init__(self, engine: Engine, channels: Sequence[Channel], clock: Clock,
                 signal: OutboxSignal | None = None, batch: int | None = None) -> None:
        self.engine, self.channels, self.clock, self.signal = engine, list(channels), clock, signal
        self.token = f"{HOST}/{os.getpid()}/{secrets.token_hex(4)}"
        self.gates = {c.name: getattr(c, "gate", None) or ChannelGate(c.limits)
                      for c in self.channels}  # a channel sending replies shares its gate
        self.paused: dict[str, datetime] = {}  # channel → no pushes before (a 429 said so)
        self.batch = batch or max(50, min(1000, int(sum(
            c.limits.overall.per_second for c in self.channels) * 5)))

    def gate(self, channel: Channel) -> ChannelGate:
        """The limits of a channel, shared with its direct replies."""
        return self.gates[channel.name]

    async def run_once(self, limit: int | None = None) -> int:
        """Deliver what is due now (one batch); returns how many were sent.

        The database work (claiming, recording) runs in a thread: done on the event loop it
        held back sends that had already passed the rate gate, which then reached the messenger
        bunched together and drew 429s.
        """
        jobs = await asyncio.to_thread(self._claim, limit or self.batch)
        if not jobs:
            return 0
        outcome = Round()
        limits = {c.name: asyncio.Semaphore(c.limits.concurrency) for c in self.channels}
        sending = asyncio.gather(*(self._send(job, outcome, limits) for job in jobs))
        sent = 0
        while not sending.done():  # record as we go: a crash re-sends only the last moment's
            await asyncio.wait([sending], timeout=RECORD_EVERY)
            sent += await asyncio.to_thread(self._record, outcome.take())
        await sending
        return sent + await asyncio.to_thread(self._record, outcome.take())

    def _claim(self, limit: int) -> list[Job]:
        with unit_of_work(self.engine) as session:
            rows = outbox.claim_due(session, self.clock.utcnow(), limit, self.token)
            return self._targets(session, rows)

    async def run_forever(self, poll_seconds: float, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set.

        Batch after batch while there is work, else wait for a wake-up (a commit that queued
        pushes, here or, on PostgreSQL, in any process) or the poll interval.
        """
        self.recover_dead_claims()
        wake = self.signal.waiter() if self.signal else asyncio.Event()
        listener = asyncio.create_task(self.signal.listen(stop)) if self.signal else None
        try:  # two lanes: one batch starts while the other finishes its last sends
            await asyncio.gather(*(self._lane(poll_seconds, stop, wake) for _ in range(LANES)))
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    async def _lane(self, poll_seconds: float, stop: asyncio.Event, wake: asyncio.Event) -> None:
        while not stop.is_set():
            wake.clear()
            try:
                if await self.run_once():
                    continue
            except Exception:
                log.exception("delivery round failed")
            await _first(stop, wake, poll_seconds)

    def recover_dead_claims(self) -> int:
        """Give back the rows claimed by workers of this host that died (kill -9).

        They are resumed at once rather than after the stale-claim timeout.
        """
        with unit_of_work(self.engine) as session:
            dead = [token for token in outbox.claims_of_host(session, HOST)
                    if not _alive(token)]
            count = outbox.release_claims(session, dead) if dead else 0
        if count:
            log.info("resumed %d push(es) claimed by a worker that stopped", count)
        return count

    def _targets(self, session, rows: list[OutboxMessage]) -> list[Job]:
        person_ids = sorted({row.person_id for row in rows})
        people = {p.id: p for p in session.exec(
            select(Person).where(Person.id.in_(person_ids))).all()}
        accounts = identities.addresses_of_many(session, person_ids)
        return [self._target(row, people.get(row.person_id), accounts.get(row.person_id, {}))
                for row in rows]

    def _target(self, row: OutboxMessage, person: Person | None, accounts: dict) -> Job:
        if person is None or not person.active:
            return Job(row, inactive=True)
        for channel in self.channels:
            address = channel.address_for(person.id, accounts, person.name)
            if address is not None:
                return Job(row, channel, address, accounts.get(channel.name))
        return Job(row)

    async def _send(self, job: Job, outcome: Round, limits: dict) -> None:
        row = job.row
        if job.channel is None:
            outcome.changes.append(self._nowhere(job))
            return
        async with limits[job.channel.name]:
            if (until := self.paused.get(job.channel.name)) and until > self.clock.utcnow():
                outcome.changes.append(lambda s: outbox.mark_retry(
                    s, row.id, "channel paused by a rate limit", until, count_attempt=False))
                return
            try:
                await self._send_parts(job)
            except Exception as exc:  # one bad row must not jam the outbox: count it, go on
                outcome.changes.append(self._failed(job, exc))
                return
        outcome.sent[row.id] = job.channel.name

    async def _send_parts(self, job: Job) -> None:
        row, gate = job.row, self.gate(job.channel)
        parts = job.channel.parts(job.address, Reply.from_dict(row.payload))
        for number, part in enumerate(parts[row.parts_sent:], start=row.parts_sent + 1):
            await gate.acquire(job.address)
            await part()
            if len(parts) > 1 and number < len(parts):
                await asyncio.to_thread(self._progress, row.id, number)

    def _progress(self, message_id: int, parts_sent: int) -> None:
        with unit_of_work(self.engine) as session:
            outbox.record_progress(session, message_id, self.token, parts_sent,
                                   self.clock.utcnow())

    def _failed(self, job: Job, exc: Exception):
        row, now = job.row, self.clock.utcnow()
        if isinstance(exc, UnreachableError):
            return self._unreachable(job, exc)
        if isinstance(exc, PermanentDeliveryError):
            log.warning("push %s failed for good: %s", row.id, exc)
            return lambda s: outbox.mark_failed(s, row.id, str(exc))
        if not isinstance(exc, DeliveryError):
            log.error("push %s failed unexpectedly", row.id, exc_info=exc)
            exc = TransientDeliveryError(f"unexpected {type(exc).__name__}: {exc}")
        limited = isinstance(exc, TransientDeliveryError) and exc.retry_after is not None
        if limited:  # slow the whole channel, not just this message
            until = now + timedelta(seconds=max(exc.retry_after, 1))
            self.paused[job.channel.name] = max(until, self.paused.get(job.channel.name, until))
        if not limited and row.attempts + 1 >= MAX_ATTEMPTS:
            return lambda s: outbox.mark_failed(s, row.id, f"gave up: {exc}")
        when = now + backoff(row.attempts, getattr(exc, "retry_after", None))
        return lambda s: outbox.mark_retry(s, row.id, str(exc), when, not limited)

    def _unreachable(self, job: Job, exc: UnreachableError):
        row, now, channel, account = job.row, self.clock.utcnow(), job.channel.name, job.account
        log.info("person %s unreachable on %s: %s", row.person_id, channel, exc)

        def change(session) -> None:
            if account is not None:
                identities.mark_unreachable(session, channel, account, now, str(exc))
            outbox.mark_retry(session, row.id, str(exc), now + UNREACHABLE_RETRY)
        return change

    def _nowhere(self, job: Job):
        row, now = job.row, self.clock.utcnow()
        if job.inactive:
            return lambda s: outbox.mark_cancelled(s, row.id, "person deactivated")
        if now - row.created_at > UNREACHABLE_GIVE_UP:
            return lambda s: outbox.mark_failed(s, row.id, "no reachable chat account")
        return lambda s: outbox.mark_retry(s, row.id, "no reachable chat account",
                                           now + UNREACHABLE_RETRY)

    def _record(self, outcome: Round) -> int:
        """Write what happened, in one transaction; how many were sent."""
        if not outcome.sent and not outcome.changes:
            return 0
        with unit_of_work(self.engine) as session:
            if outcome.sent:
                outbox.mark_sent_many(session, list(outcome.sent), self.token, outcome.sent,
                                      self.clock.utcnow())
            for change in outcome.changes:
                change(session)
        return len(outcome.sent)


async def _first(stop: asyncio.Event, wake: asyncio.Event, seconds: float) -> None:
    """Wait until `stop` or `wake` is set, or `seconds` pass."""
    waits = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


def _alive(token: str) -> bool:
    """Whether the worker that owns a claim token of this host still runs."""
    try:
        os.kill(int(token.split("/")[1]), 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def pending_count(engine: Engine) -> int:
    """Rows still waiting to be sent (for status output and tests)."""
    with unit_of_work(engine) as session:
        return session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))).one()



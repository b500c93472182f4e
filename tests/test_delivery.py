"""The delivery worker's concurrency, limits, wake-ups, unreachable people, resumes and claims."""

from __future__ import annotations

import asyncio
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.channel import (
    ChannelLimits,
    Rate,
    SingleMessageChannel,
    TransientDeliveryError,
    UnreachableError,
)
from bot.core.context import queue_push
from bot.core.types import Event, Reply
from bot.delivery import HOST, DeliveryWorker
from bot.delivery_limits import ChannelGate
from storage import identities, outbox
from storage.db import is_sqlite, unit_of_work
from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, Person

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SlowChannel(SingleMessageChannel):
    """Takes a while per message; counts how many are in flight at once."""

    name: str = "slow"
    delay: float = 0.02
    limits: ChannelLimits = field(default_factory=lambda: ChannelLimits(
        Rate(1000, 1), (Rate(1000, 1),), concurrency=5))
    sent: list[str] = field(default_factory=list)
    in_flight: int = 0
    most: int = 0
    fail: dict[str, Exception] = field(default_factory=dict)

    def address_for(self, person_id, identities, person_name):
        return str(person_id)

    async def send(self, address: str, reply: Reply) -> None:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            if address in self.fail:
                raise self.fail.pop(address)
            self.sent.append(address)
        finally:
            self.in_flight -= 1


def _people(engine, now, n: int) -> list[int]:
    with unit_of_work(engine) as session:
        people = [Person(name=f"代表{i}", phone=f"1392222{i:04d}", created_at=now)
                  for i in range(n)]
        session.add_all(people)
        session.flush()
        return [p.id for p in people]


def _push(app, person_id: int, key: str, text: str = "通知") -> None:
    with unit_of_work(app.engine) as session:
        queue_push(session, app.services, person_id, key, Reply(text))


def _status(engine, key: str) -> OutboxMessage:
    with unit_of_work(engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()


async def test_sends_run_concurrently_within_the_channels_bound(app, clock):
    ids = _people(app.engine, clock.utcnow(), 40)
    for pid in ids:
        _push(app, pid, f"k:{pid}")
    channel = SlowChannel()
    assert await DeliveryWorker(app.engine, [channel], clock).run_once() == 40
    assert 1 < channel.most <= 5
    assert sorted(channel.sent) == sorted(str(pid) for pid in ids)


async def test_a_commit_that_queues_a_push_wakes_the_worker(app, clock):
    (pid,) = _people(app.engine, clock.utcnow(), 1)
    channel, stop = SlowChannel(delay=0), asyncio.Event()
    worker = DeliveryWorker(app.engine, [channel], clock, app.services.outbox_signal)
    running = asyncio.create_task(worker.run_forever(3600, stop))  # it would poll hourly
    await asyncio.sleep(0.05)
    await asyncio.to_thread(_push, app, pid, "k:wake")  # from another thread, like a sweep
    for _ in range(200):
        if channel.sent:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await running
    assert channel.sent == [str(pid)]


def test_a_reply_does_not_wait_for_the_broadcast_but_keeps_the_chat_limit():
    now = [0.0]
    gate = ChannelGate(ChannelLimits(Rate(2, 1), (Rate(1, 1),)), clock=lambda: now[0])
    asyncio.run(gate.acquire("a"))
    asyncio.run(gate.acquire("b"))  # two in this second: the overall window is full
    assert gate.wait("c") == 1.0  # a push to someone new waits for the overall window
    assert gate.wait("c", reply=True) == 0  # a reply goes at once
    asyncio.run(gate.acquire("c", reply=True))
    assert gate.wait("a", reply=True) == 1.0  # but not faster than its chat allows
    now[0] += 0.5
    asyncio.run(gate.acquire("e", reply=True))
    now[0] += 0.5  # a, b and c have left the window; the reply to e still counts
    assert gate.wait("a", reply=True) == 0
    assert gate.wait("d") == 0  # one in the window, room for one more push
    asyncio.run(gate.acquire("d"))
    assert gate.wait("f") == 0.5  # e's reply and d's push fill it until e's leaves


def test_a_paced_window_catches_up_a_late_send_but_never_bunches():
    now = [0.0]
    gate = ChannelGate(ChannelLimits(Rate(29, 1, burst=1.25), ()), clock=lambda: now[0])
    gap = 1 / 29
    asyncio.run(gate.acquire("a"))
    assert gate.wait("b") == pytest.approx(0.75 * gap)  # after idle, a quarter gap early at most
    now[0] += 0.75 * gap
    asyncio.run(gate.acquire("b"))
    assert gate.wait("c") == pytest.approx(gap)  # then evenly paced
    now[0] += 1.2 * gap  # c woke a fifth of a gap late
    asyncio.run(gate.acquire("c"))
    assert gate.wait("d") == pytest.approx(0.8 * gap)  # the lateness is caught up
    now[0] += 5 * gap  # a long pause saves no more than a quarter gap: never two at once
    asyncio.run(gate.acquire("d"))
    assert gate.wait("e") == pytest.approx(0.75 * gap)


def test_a_per_member_limit_of_thirty_a_minute_and_a_thousand_an_hour():
    now = [0.0]
    gate = ChannelGate(ChannelLimits(Rate(10_000, 1), (Rate(30, 60), Rate(1000, 3600))),
                       clock=lambda: now[0])
    for _ in range(30):
        asyncio.run(gate.acquire("member"))
        now[0] += 0.1
    assert 56 < gate.wait("member") <= 60  # the 31st waits for the first to leave the minute
    assert gate.wait("other") == 0


async def test_a_rate_limit_pauses_the_whole_channel(app, clock):
    first, second = _people(app.engine, clock.utcnow(), 2)
    _push(app, first, "k:first")
    channel = SlowChannel(delay=0)
    channel.fail[str(first)] = TransientDeliveryError("Too Many Requests", retry_after=30)
    worker = DeliveryWorker(app.engine, [channel], clock)
    assert await worker.run_once() == 0
    _push(app, second, "k:second")
    assert await worker.run_once() == 0  # the channel is paused: not even tried
    row = _status(app.engine, "k:second")
    assert (row.status, row.attempts, channel.sent) == (OutboxStatus.PENDING, 0, [])
    clock.advance(seconds=31)
    assert await worker.run_once() == 2


async def test_someone_who_blocked_the_bot_is_not_tried_again_until_they_write(app, clock):
    (pid,) = _people(app.engine, clock.utcnow(), 1)
    with unit_of_work(app.engine) as session:
        identities.bind(session, "slow", "u1", pid, clock.utcnow())
    _push(app, pid, "k:1")
    channel = SlowChannel(delay=0)
    channel.fail[str(pid)] = UnreachableError("Forbidden: bot was blocked by the user")
    worker = DeliveryWorker(app.engine, [_Bound(channel)], clock)
    assert await worker.run_once() == 0
    _push(app, pid, "k:2")
    clock.advance(hours=3)
    assert await worker.run_once() == 0 and channel.sent == []  # not attempted
    with unit_of_work(app.engine) as session:
        account = session.exec(select(ChannelIdentity)).one()
    assert account.unreachable_since is not None and "blocked" in account.unreachable_reason

    await app.dispatcher.handle(Event.from_text("slow", "u1", "/whoami"))  # they write again
    assert await worker.run_once() == 2
    assert channel.sent == [str(pid), str(pid)]


@dataclass
class _Bound(SingleMessageChannel):
    """Reaches a person only through their bound account on channel "slow"."""

    inner: SlowChannel = field(default_factory=SlowChannel)
    name: str = "slow"

    def address_for(self, person_id, identities, person_name):
        return str(person_id) if identities.get("slow") else None

    async def send(self, address: str, reply: Reply) -> None:
        await self.inner.send(address, reply)


class ThreePartChannel(SingleMessageChannel):
    """Every reply is three messages; the second fails once."""

    name = "parts"

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.failed = False

    def address_for(self, person_id, identities, person_name):
        return str(person_id)

    def parts(self, address, reply):
        async def part(n: int) -> None:
            if n == 2 and not self.failed:
                self.failed = True
                raise TransientDeliveryError("network down")
            self.sent.append(n)
        return [lambda n=n: part(n) for n in (1, 2, 3)]


async def test_a_multi_part_push_resumes_from_the_part_that_failed(app, clock):
    (pid,) = _people(app.engine, clock.utcnow(), 1)
    _push(app, pid, "k:parts")
    channel = ThreePartChannel()
    worker = DeliveryWorker(app.engine, [channel], clock)
    assert await worker.run_once() == 0
    assert _status(app.engine, "k:parts").parts_sent == 1
    clock.advance(minutes=1)
    assert await worker.run_once() == 1
    assert channel.sent == [1, 2, 3]  # part 1 once, not again


def test_two_workers_never_claim_the_same_row(app, clock):
    ids = _people(app.engine, clock.utcnow(), 60)
    for pid in ids:
        _push(app, pid, f"k:{pid}")
    channels = [SlowChannel(delay=0.005), SlowChannel(delay=0.005)]
    barrier = threading.Barrier(2)

    def work(channel) -> None:
        worker = DeliveryWorker(app.engine, [channel], clock, batch=7)
        barrier.wait()

        async def drain() -> None:
            while await worker.run_once():
                pass
        asyncio.run(drain())

    threads = [threading.Thread(target=work, args=(c,)) for c in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent = channels[0].sent + channels[1].sent
    assert sorted(sent) == sorted(str(pid) for pid in ids)  # each once, by whichever worker


async def test_claims_of_a_worker_that_died_are_resumed_at_the_next_start(app, clock):
    (pid,) = _people(app.engine, clock.utcnow(), 1)
    _push(app, pid, "k:orphan")
    dead = f"{HOST}/999999999/dead"
    with unit_of_work(app.engine) as session:
        assert len(outbox.claim_due(session, clock.utcnow(), 10, dead)) == 1
    channel = SlowChannel(delay=0)
    worker = DeliveryWorker(app.engine, [channel], clock)
    assert await worker.run_once() == 0  # claimed by the dead worker, not stale yet
    assert worker.recover_dead_claims() == 1
    assert await worker.run_once() == 1


async def test_a_push_queued_by_another_process_wakes_the_worker_on_postgresql(app, clock):
    if is_sqlite(app.engine):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; on SQLite another process waits for the poll")
    (pid,) = _people(app.engine, clock.utcnow(), 1)
    channel, stop = SlowChannel(delay=0), asyncio.Event()
    worker = DeliveryWorker(app.engine, [channel], clock, app.services.outbox_signal)
    running = asyncio.create_task(worker.run_forever(3600, stop))
    await asyncio.sleep(0.5)  # LISTEN is in place
    url = app.engine.url.render_as_string(hide_password=False)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.processes.queue", url, str(pid), "k:remote", "远程",
        cwd=str(ROOT))
    assert await process.wait() == 0
    for _ in range(500):
        if channel.sent:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await running
    assert channel.sent == [str(pid)]

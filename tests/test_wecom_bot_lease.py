"""One connection per bot across processes: the lease row, the holder, a kick, and two real
processes on one database where the second takes over when the first is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.channels.wecom_bot_client import BotClient, Timing
from bot.channels.wecom_bot_holder import ConnectionHolder
from storage import wecom_bot_lease
from storage.db import unit_of_work
from storage.wecom_bot_lease import WeComBotLease
from tests.fake_wecom_bot_server import BOT_ID, SECRET, FakeWeComBot
from tests.wecom_bot_support import until

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)
FAST = Timing(ping_every=0.5, ack_timeout=2, backoff_first=0.05, backoff_max=0.2)


def take(engine, holder: str, at: datetime) -> bool:
    with unit_of_work(engine) as session:
        return wecom_bot_lease.take(session, BOT_ID, holder, at, TTL)


def lease(engine) -> WeComBotLease:
    with unit_of_work(engine) as session:
        row = session.get(WeComBotLease, BOT_ID)
        session.expunge(row)
        return row


def test_a_live_lease_is_refused_to_others_and_an_expired_one_is_taken(engine):
    assert take(engine, "a", T0)
    assert not take(engine, "b", T0 + timedelta(seconds=29))  # a holds it for 30 s
    assert take(engine, "a", T0 + timedelta(seconds=20))  # a renews: now until 0:50
    assert not take(engine, "b", T0 + timedelta(seconds=49))
    assert take(engine, "b", T0 + timedelta(seconds=51))  # a stopped renewing: b takes over
    assert not take(engine, "a", T0 + timedelta(seconds=52))  # a's renewal fails: it must stop


def test_releasing_frees_the_lease_at_once_but_only_for_its_holder(engine):
    assert take(engine, "a", T0)
    with unit_of_work(engine) as session:
        assert not wecom_bot_lease.release(session, BOT_ID, "b", T0)
        assert wecom_bot_lease.release(session, BOT_ID, "a", T0)
        assert wecom_bot_lease.holder_of(session, BOT_ID, T0) is None
    assert take(engine, "b", T0)


def holder(engine, server: FakeWeComBot, name: str, ttl: float = 3) -> ConnectionHolder:
    async def ignore(frame: dict) -> None:
        return None
    client = BotClient(server.url, BOT_ID, SECRET, ignore, FAST)
    return ConnectionHolder(engine, BOT_ID, ttl, client.run, holder=name)


async def test_of_two_holders_one_connects_and_the_other_waits_then_takes_over(engine):
    async with FakeWeComBot() as server:
        first, second = holder(engine, server, "first"), holder(engine, server, "second")
        stop_first, stop_second = asyncio.Event(), asyncio.Event()
        running_first = asyncio.create_task(first.run(stop_first))
        await until(first.holding.is_set)
        running_second = asyncio.create_task(second.run(stop_second))
        await asyncio.sleep(2.5)  # more than two of second's lease checks
        assert server.subscribes == 1 and not second.holding.is_set()
        stop_first.set()  # a clean stop releases the lease: second connects at its next check
        assert await running_first == "stopped"
        await until(second.holding.is_set)
        await server.connected()
        assert server.subscribes == 2
        stop_second.set()
        await running_second


async def test_a_kicked_holder_releases_the_lease_and_never_reconnects(engine, caplog):
    async with FakeWeComBot() as server:
        kicked = holder(engine, server, "kicked")
        running = asyncio.create_task(kicked.run(asyncio.Event()))
        await server.connected()
        await server.kick()
        assert await asyncio.wait_for(running, 5) == "replaced"
        await asyncio.sleep(0.5)
        assert server.subscribes == 1
        row = lease(engine)
        assert row.kicked_at is not None
        with unit_of_work(engine) as session:
            assert wecom_bot_lease.holder_of(session, BOT_ID, datetime.now(UTC)) is None
        assert any("ALERT" in r.getMessage() for r in caplog.records)


def _start(engine, server: FakeWeComBot, ttl: float) -> subprocess.Popen:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.Popen([sys.executable, "-m", "tests.processes.aibot_holder", url,
                             server.url, str(ttl)], cwd=ROOT)


async def test_two_processes_hold_one_connection_and_the_survivor_takes_over(engine):
    """Exactly one process connects; kill -9 it and the other connects once its lease ends."""
    ttl = 3.0
    async with FakeWeComBot() as server:
        processes = [_start(engine, server, ttl) for _ in range(2)]
        try:
            await until(lambda: server.subscribes == 1, timeout=60)
            await asyncio.sleep(2 * ttl)  # two lease periods: the other never connected
            assert server.subscribes == 1 and server.active is not None
            pid = int(lease(engine).holder.split("/")[1])
            [other] = [p for p in processes if p.pid != pid]
            os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            await until(lambda: server.subscribes == 2, timeout=ttl * 2 + 10)
            print(f"taken over {time.monotonic() - killed_at:.1f} s after the kill "
                  f"(lease {ttl:.0f} s)")
            assert int(lease(engine).holder.split("/")[1]) == other.pid
            assert other.poll() is None
        finally:
            for process in processes:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()

"""Broadcast one notice to 5,000 people through the real worker and Telegram channel.

Against a fake Bot API on loopback that enforces Telegram's limits (429 with retry_after) and
answers in 50–150 ms, prints: the rate achieved as a share of 30/s, the 429s, pushes lost, the
latency of a push when the worker is idle (commit → sendMessage, p50/p95), and the worker
process's peak RSS. Then the same broadcast with the worker killed (SIGKILL) half-way and
restarted: lost and duplicated. Then, with --postgres URL, two workers side by side: duplicates.

    python -m bench.broadcast [--people 5000] [--postgres postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bench.fake_telegram import TOKEN, FakeTelegram
from bench.people import add_bound_people
from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.core.clock import Clock
from bot.core.context import Services, new_push
from bot.core.types import Button, Reply, button_rows
from bot.delivery import DeliveryWorker
from bot.i18n import Catalogs
from storage import outbox
from storage.db import make_engine, unit_of_work
from storage.models import OutboxMessage, OutboxStatus

FIRST_CHAT = 100_000
NOTICE = "📢 通知：请各位代表于本周五下午三点参加联动监督推进会。"


def prepare(url: str, people: int) -> None:
    """Migrate and add `people` delegates, each bound to a Telegram chat."""
    add_bound_people(url, people, "telegram", lambda n: str(FIRST_CHAT + n))


def broadcast(engine: Engine, services: Services, people: int, tag: str) -> float:
    """Queue one notice to everyone in one transaction; the commit time (epoch seconds)."""
    reply = Reply(NOTICE, button_rows([Button("收到", f"n:ack:{tag}")]))
    pushes = [new_push(services, n + 1, f"bench:{tag}:{n + 1}", reply, quiet=False)
              for n in range(people)]
    with unit_of_work(engine) as session:
        outbox.enqueue_many(session, pushes, services.clock.utcnow())
    return time.time()


async def start_worker(url: str, api: str, data: str) -> asyncio.subprocess.Process:
    """A worker process, once it is ready to send."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.broadcast_worker", url, api, data,
        stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
    assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def stop_worker(process: asyncio.subprocess.Process) -> float:
    """SIGTERM; the worker's peak RSS in MiB."""
    process.send_signal(signal.SIGTERM)
    out = (await process.stdout.read()).decode().split()
    await process.wait()
    return float(out[out.index("rss") + 1]) if "rss" in out else float("nan")


async def until(condition, timeout: float = 900) -> None:
    """Poll `condition` every 50 ms."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bench did not finish in time")
        await asyncio.sleep(0.05)


def received(api: FakeTelegram, since: float) -> collections.Counter:
    """Successful sends per chat since `since`."""
    return collections.Counter(chat for chat, at in api.seen.successes if at >= since)


async def full_speed(url, api, data, engine, services, people) -> None:
    """The broadcast at full speed, and the worker's RSS."""
    worker = await start_worker(url, api.url, data)
    before_429 = api.seen.limited
    committed = broadcast(engine, services, people, "a")
    await until(lambda: len(received(api, committed)) >= people)
    times = sorted(at for _, at in api.seen.successes if at >= committed)
    rate = (len(times) - 1) / (times[-1] - times[0])
    lost = people - len(received(api, committed))
    print(f"full speed: {people:,} pushes in {times[-1] - committed:.1f} s, {rate:.1f}/s = "
          f"{rate / 30:.0%} of 30/s; 429s {api.seen.limited - before_429}; lost {lost}")
    print(f"worker peak RSS: {await stop_worker(worker):.0f} MiB")


async def idle(url, api, data, engine, services, people) -> None:
    """A worker in this process, as in the bot, waiting: single pushes' latency."""
    settings = Settings(_env_file=None, database_url=url, data_dir=Path(data),
                        telegram_token=SecretStr(TOKEN), telegram_api_url=api.url)
    app = build_app(settings, engine)
    channel = TelegramChannel(app)
    await channel.application.initialize()
    stop = asyncio.Event()
    worker = DeliveryWorker(engine, [channel], app.services.clock, app.services.outbox_signal)
    running = asyncio.create_task(worker.run_forever(app.settings.outbox_poll_seconds, stop))
    try:
        p50, p95 = await idle_latency(engine, app.services, api)
    finally:
        stop.set()
        await running
        await channel.application.shutdown()
    print(f"idle push latency (commit → sendMessage, worker in the same process): "
          f"p50 {p50:.0f} ms, p95 {p95:.0f} ms")


async def idle_latency(engine, services, api, runs: int = 20) -> tuple[float, float]:
    """Single pushes to an idle worker: commit → sendMessage in ms (p50, p95)."""
    latencies = []
    for n in range(runs):
        await asyncio.sleep(1.1)  # the same chat may get one message a second
        committed = broadcast(engine, services, 1, f"idle{n}")
        await until(lambda c=committed: received(api, c), timeout=30)
        latencies.append((min(at for _, at in api.seen.successes if at >= committed)
                          - committed) * 1000)
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def in_flight(engine: Engine) -> int:
    """Rows claimed and not yet recorded."""
    with unit_of_work(engine, read_only=True) as session:
        return len(session.exec(select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.SENDING)).all())


async def killed_half_way(url, api, data, engine, services, people) -> None:
    """SIGKILL the worker half-way, start another: lost and duplicated."""
    worker = await start_worker(url, api.url, data)
    committed = broadcast(engine, services, people, "b")
    await until(lambda: len(received(api, committed)) >= people // 2)
    worker.kill()
    flying = in_flight(engine)
    await worker.wait()
    worker = await start_worker(url, api.url, data)
    await until(lambda: len(received(api, committed)) >= people)
    await asyncio.sleep(3)  # anything late would show now
    counts = received(api, committed)
    duplicated = sum(n - 1 for n in counts.values())
    print(f"killed half-way: lost {people - len(counts)}, duplicated {duplicated} "
          f"(in flight at the kill: {flying})")
    await stop_worker(worker)


async def two_workers(url, api, data, engine, services, people) -> None:
    """Two worker processes on one database: duplicates."""
    workers = [await start_worker(url, api.url, data) for _ in range(2)]
    committed = broadcast(engine, services, people, "c")
    await until(lambda: len(received(api, committed)) >= people)
    await asyncio.sleep(3)
    counts = received(api, committed)
    print(f"two workers: lost {people - len(counts)}, "
          f"duplicated {sum(n - 1 for n in counts.values())}")
    for worker in workers:
        await stop_worker(worker)


async def run(url: str, people: int, scenarios) -> None:
    """Every scenario against one fake Bot API."""
    settings = Settings(_env_file=None, database_url=url, telegram_token=None)
    services = Services(settings, Catalogs(), Clock())
    engine = make_engine(url)
    with tempfile.TemporaryDirectory(prefix="liandong-broadcast-") as data:
        async with FakeTelegram() as api:
            for scenario in scenarios:
                await scenario(url, api, data, engine, services, people)
    engine.dispose()


def postgres_schema(url: str) -> tuple[str, str]:
    """A throwaway schema on the server: (URL using it, schema)."""
    schema = f"liandong_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", schema


def drop_schema(url: str, schema: str) -> None:
    """Remove the throwaway schema."""
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def main(argv: list[str] | None = None) -> None:
    """SQLite: full speed, then killed half-way; PostgreSQL (--postgres): two workers."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--postgres", default=None, help="also run two workers on this server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="liandong-broadcast-db-") as folder:
        url = f"sqlite:///{Path(folder) / 'broadcast.db'}"
        prepare(url, args.people)
        asyncio.run(run(url, args.people, [full_speed, idle, killed_half_way]))
    if args.postgres:
        pg_url, schema = postgres_schema(args.postgres)
        try:
            prepare(pg_url, args.people)
            asyncio.run(run(pg_url, args.people, [two_workers]))
        finally:
            drop_schema(args.postgres, schema)


if __name__ == "__main__":
    main()

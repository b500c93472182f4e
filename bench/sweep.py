"""The escalation sweep at scale: 100,000 cases, 35% overdue; its time and what it does to
inbound handling in the same process.

Prints the first sweep (a backlog) and a steady sweep (nothing new) in seconds, the pushes the
first one queued (in all and to the busiest person), and the latency of inbound events handled
by the real dispatcher while the sweep runs in the scheduler's thread pool, against the same
load with no sweep. Goals (issue 6): first sweep under 30 s, inbound p99 under 200 ms.

    python -m bench.sweep [--cases N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from bench.cases import TEXTS
from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FrozenClock
from bot.core.types import Event
from schedules.escalation import run_escalation
from storage import identities
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.db import make_engine, unit_of_work
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.models import Department, Group, Membership, OutboxMessage, Person

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
BATCH = 5000
CLIENTS = 8  # updates handled at once, as the Telegram channel does
PACE = 100  # events a second offered while the sweep runs (a busy county, not a flood)
ACTIVE = (CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS)
SHARES = ((0.35, "overdue"), (0.10, "due"), (0.10, "rectified"), (0.30, "closed"),
          (0.10, "submitted"), (0.05, "rejected"))


def build(url: str | None, count: int, workdir: Path) -> str:
    """Migrate, load the demo county, insert `count` cases; the database URL."""
    url = url or f"sqlite:///{workdir / 'sweep.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_demo(session, NOW, 30)
    started = time.perf_counter()
    insert_cases(engine, count, random.Random(35))
    print(f"inserted {count:,} cases in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return url


def _kind(rng: random.Random) -> str:
    pick, total = rng.random(), 0.0
    for share, kind in SHARES:
        total += share
        if pick < total:
            return kind
    return SHARES[-1][1]


def _row(rng: random.Random, world: tuple, case_id: int, kind: str) -> dict:
    members, departments, group_areas = world
    person_id, group_id, township = rng.choice(members)
    created = NOW - timedelta(days=rng.uniform(20, 80))
    row = dict(id=case_id, year=NOW.year, seq=case_id, number=f"{NOW.year}-{case_id:06d}",
               status=CaseStatus.SUBMITTED.value, area_id=group_areas[group_id] or 1,
               township=township, description=f"{rng.choice(TEXTS)}（第{case_id}号）",
               reporter_id=person_id, group_id=group_id, created_at=created,
               updated_at=created, reopen_count=0, key_supervision=False, version=1,
               department_id=None, assigned_at=None, deadline=None, closed_at=None,
               satisfaction=None, progress_note=None, rectified_at=None)
    if kind == "rejected":
        row["status"] = CaseStatus.REJECTED.value
    if kind in ("overdue", "due", "rectified", "closed"):
        assigned = created + timedelta(days=1)
        late = kind == "overdue"
        deadline = NOW - timedelta(days=rng.uniform(1, 40)) if late \
            else NOW + timedelta(days=rng.uniform(1, 30))
        row.update(department_id=rng.choice(departments), assigned_at=assigned,
                   deadline=deadline, status=rng.choice(ACTIVE).value)
    if kind == "rectified":
        row.update(status=CaseStatus.RECTIFIED.value,
                   rectified_at=NOW - timedelta(days=rng.uniform(0, 10)))
    if kind == "closed":
        row.update(status=CaseStatus.CLOSED.value, rectified_at=created + timedelta(days=5),
                   closed_at=created + timedelta(days=6), satisfaction="satisfied")
    return row


def insert_cases(engine: Engine, count: int, rng: random.Random) -> None:
    """Bulk-insert the cases and their first reporters."""
    with unit_of_work(engine) as session:
        members = session.execute(select(Membership.person_id, Membership.group_id,
                                         Person.township)
                                  .join(Person, Person.id == Membership.person_id)).all()
        departments = list(session.execute(select(Department.id)).scalars())
        group_areas = dict(session.execute(select(Group.id, Group.area_id)).all())
    world = (members, departments, group_areas)
    for start in range(1, count + 1, BATCH):
        rows = [_row(rng, world, n, _kind(rng)) for n in range(start, min(start + BATCH,
                                                                          count + 1))]
        reporters = [dict(case_id=r["id"], person_id=r["reporter_id"], group_id=r["group_id"],
                          joined_at=r["created_at"]) for r in rows]
        with engine.begin() as connection:
            connection.execute(insert(Case.__table__), rows)
            connection.execute(insert(CaseReporter.__table__), reporters)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('problem_case', 'id'),"
                                    " (SELECT max(id) FROM problem_case))"))


def _clients(app, count: int) -> list[str]:
    """Bind `count` delegates to bench chat accounts; their user ids."""
    with unit_of_work(app.engine) as session:
        people = session.scalars(select(Person).where(Person.level.is_not(None))
                              .order_by(Person.id).limit(count)).all()
        for person in people:
            identities.bind(session, "bench", f"u{person.id}", person.id, NOW)
        return [f"u{person.id}" for person in people]


async def _paced(app, users: list[str], rate: float, until) -> list[float]:
    """Events at a steady `rate` per second, from the clients in turn, until `until()`."""
    latencies: list[float] = []
    commands, tasks, n = ("/mycases", "/whoami"), [], 0

    async def one(user: str, command: str) -> None:
        started = time.perf_counter()
        await app.dispatcher.handle(Event.from_text("bench", user, command))
        latencies.append((time.perf_counter() - started) * 1000)

    begin = time.perf_counter()
    while not until():
        tasks.append(asyncio.create_task(one(users[n % len(users)], commands[n % 2])))
        n += 1
        await asyncio.sleep(max(begin + n / rate - time.perf_counter(), 0))
    await asyncio.gather(*tasks)
    return latencies


async def _load(app, users: list[str], until) -> list[float]:
    """Each client sends /mycases then /whoami in a loop until `until()`; latencies in ms."""
    latencies: list[float] = []

    async def client(user: str) -> None:
        commands = ("/mycases", "/whoami")
        n = 0
        while not until():
            started = time.perf_counter()
            await app.dispatcher.handle(Event.from_text("bench", user, commands[n % 2]))
            latencies.append((time.perf_counter() - started) * 1000)
            n += 1
            await asyncio.sleep(0)

    await asyncio.gather(*(client(user) for user in users))
    return latencies


def _describe(label: str, latencies: list[float], seconds: float) -> None:
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else float("nan")
    print(f"{label:<28} {len(ordered) / seconds:7.0f} events/s   p50 "
          f"{statistics.median(ordered):6.1f} ms   p99 {p99:6.1f} ms   ({len(ordered):,} events)")


async def measure(url: str) -> None:
    """Idle load, then the first sweep under load, then a steady sweep."""
    settings = Settings(_env_file=None, database_url=url, telegram_token=None,
                        rate_limit_per_minute=10_000)
    app = build_app(settings, clock=FrozenClock(NOW))
    users = _clients(app, CLIENTS)
    stop = time.perf_counter() + 5
    idle = await _load(app, users, lambda: time.perf_counter() > stop)
    _describe("inbound flat out, no sweep", idle, 5)

    stop = time.perf_counter() + 5
    steady = await _paced(app, users, PACE, lambda: time.perf_counter() > stop)
    _describe(f"inbound at {PACE}/s, no sweep", steady, 5)

    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    sweep = loop.run_in_executor(None, run_escalation, app.engine, app.services)
    busy = await _paced(app, users, PACE, sweep.done)
    first = time.perf_counter() - started
    counts = sweep.result()
    _describe(f"inbound at {PACE}/s, first sweep", busy, first)
    print(f"first sweep: {first:.1f} s; " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    with unit_of_work(app.engine) as session:
        total = session.scalar(select(func.count()).select_from(OutboxMessage))
        busiest = session.scalar(select(func.count()).select_from(OutboxMessage)
                               .group_by(OutboxMessage.person_id)
                                 .order_by(func.count().desc()).limit(1))
    print(f"pushes queued: {total:,}; the busiest person gets {busiest:,}")
    started = time.perf_counter()
    run_escalation(app.engine, app.services)
    print(f"steady sweep: {time.perf_counter() - started:.1f} s")
    app.engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Build the database, then measure."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="add the cases to this (empty) database instead of a temporary "
                             "SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="liandong-sweep-") as workdir:
        url = build(args.database_url, args.cases, Path(workdir))
        asyncio.run(measure(url))


if __name__ == "__main__":
    main()

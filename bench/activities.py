"""Activities at province size: 100,000 delegates in groups of 25, 2,000 activities a month.

Prints the reminder sweep's time (first run, which queues, and steady state, which finds every
reminder queued), `/agenda` per person through the real dispatcher, and the duty export's time
and peak memory (in a fresh process, so the figure is the export's own).

    python -m bench.activities [--delegates 100000] [--per-month 2000] [--months 12]
                               [--postgres postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FrozenClock
from schedules.activities import run_event_reminders
from storage.activity_models import Activity, ActivityAnswer
from storage.db import make_engine, unit_of_work
from storage.migrate import upgrade
from storage.models import ChannelIdentity, Group, Membership, Person
from tests.support import Dialog

GROUP_SIZE, BATCH = 25, 20_000
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
KINDS = ("inspection", "survey", "discussion", "joint_meeting", "training", "contest")
TOWNSHIPS = [f"第{n}镇" for n in range(40)]
LEVELS = ("national", "provincial", "municipal", "county", "township")


def _batches(connection, table, rows) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


def prepare(url: str, delegates: int, per_month: int, months: int) -> None:
    """Delegates in groups, a year of activities each inviting one group, answers."""
    rng, engine = random.Random(9), make_engine(url)
    upgrade(engine)
    groups = delegates // GROUP_SIZE
    with engine.begin() as connection:
        _batches(connection, Person.__table__, [
            {"id": n + 1, "name": f"代表{n:06d}", "phone": f"1{n:010d}", "active": True,
             "level": LEVELS[n % 5], "township": TOWNSHIPS[n % 40], "created_at": NOW}
            for n in range(delegates)])
        _batches(connection, Group.__table__, [
            {"id": g + 1, "name": f"代表小组{g:05d}", "kind": "thematic"} for g in range(groups)])
        _batches(connection, Membership.__table__, [
            {"person_id": n + 1, "group_id": n // GROUP_SIZE + 1, "is_leader": n % 25 == 0}
            for n in range(groups * GROUP_SIZE)])
        _batches(connection, ChannelIdentity.__table__, [
            {"channel": "bench", "external_id": str(n + 1), "person_id": n + 1,
             "bound_at": NOW} for n in range(200)])
        activities, answers = _year(rng, groups, per_month, months)
        _batches(connection, Activity.__table__, activities)
        _batches(connection, ActivityAnswer.__table__, answers)
    engine.dispose()
    print(f"prepared: {delegates:,} delegates, {groups:,} groups, {len(activities):,} "
          f"activities, {len(answers):,} answers")


def _year(rng, groups: int, per_month: int, months: int) -> tuple[list, list]:
    """Activities spread over the months before and after now; each invites one group."""
    total, first = per_month * months, NOW - timedelta(days=30 * (months - 1))
    span = (30 * months) * 86400
    activities, answers = [], []
    for a in range(total):
        start = first + timedelta(seconds=rng.randrange(span))
        group = a % groups
        activities.append({
            "id": a + 1, "kind": KINDS[a % len(KINDS)], "title": f"活动{a}", "start_at": start,
            "end_at": start + timedelta(hours=2), "place": "会议室", "capacity": None,
            "signed_up": 0, "organiser_id": group * GROUP_SIZE + 1, "notes": "",
            "state": "active", "version": 1, "created_at": start - timedelta(days=7)})
        for m in range(GROUP_SIZE):
            pick = rng.random()
            answer = "signed_up" if pick < 0.5 else "declined" if pick < 0.6 else \
                "leave" if pick < 0.65 else "none"
            came = start + timedelta(minutes=5) if answer == "signed_up" and start < NOW \
                and rng.random() < 0.9 else None
            answers.append({"activity_id": a + 1, "person_id": group * GROUP_SIZE + m + 1,
                            "group_id": group + 1, "answer": answer, "reason": "",
                            "late": False, "answered_at": start - timedelta(days=3),
                            "checked_in_at": came})
    return activities, answers


def sweeps(url: str, data: Path) -> None:
    """The reminder sweep, first run and steady state."""
    engine = make_engine(url)
    app = build_app(Settings(_env_file=None, database_url=url, data_dir=data), engine,
                    FrozenClock(NOW))
    for label in ("first run", "steady state", "steady state"):
        began = time.perf_counter()
        queued = run_event_reminders(engine, app.services)
        print(f"reminder sweep ({label}): {time.perf_counter() - began:.2f} s, {queued:,} queued")
    asyncio.run(agenda(app))
    engine.dispose()


async def agenda(app) -> None:
    """/agenda through the dispatcher for 100 people, in ms."""
    times = []
    for n in range(1, 101):
        dialog = Dialog(app, user_id=str(n), channel="bench")
        began = time.perf_counter()
        await dialog.send("/agenda")
        times.append((time.perf_counter() - began) * 1000)
    ordered = sorted(times)
    print(f"/agenda per person: p50 {statistics.median(ordered):.1f} ms, "
          f"p95 {ordered[94]:.1f} ms, max {ordered[-1]:.1f} ms")


def export_only(url: str, out: str) -> None:
    """In a fresh process: the duty export's time and this process's peak RSS."""
    from handlers.activities.duty_export import export_duty

    engine = make_engine(url)
    began = time.perf_counter()
    with unit_of_work(engine, read_only=True) as session:
        rows = export_duty(session, Path(out), 2026, NOW, Settings(_env_file=None).tz, "zh_CN")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"duty export: {rows:,} delegates in {time.perf_counter() - began:.1f} s, "
          f"peak RSS {peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegates", type=int, default=100_000)
    parser.add_argument("--per-month", type=int, default=2000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--postgres")
    parser.add_argument("--export-only", nargs=2, metavar=("URL", "OUT"))
    args = parser.parse_args()
    if args.export_only:
        export_only(*args.export_only)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{tmp}/bench.db"
        began = time.perf_counter()
        prepare(url, args.delegates, args.per_month, args.months)
        print(f"(setup {time.perf_counter() - began:.0f} s)")
        sweeps(url, Path(tmp))
        subprocess.run([sys.executable, "-m", "bench.activities", "--export-only", url,
                        f"{tmp}/duty.xlsx"], check=True, cwd=Path(__file__).parent.parent)


if __name__ == "__main__":
    main()

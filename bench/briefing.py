"""The daily briefing at scale: its figures over 100,000 cases, and the 16:30 sweep that draws
the charts, renders every reader's message and queues them.

Prints the time of the figures (two aggregate queries), of a whole `/briefing` state (figures,
ranking, past briefings) and of the sweep, with the pushes it queued.

    python -m bench.briefing [--cases N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FrozenClock
from handlers.briefing.state import build as build_state
from schedules.briefing import run_briefing
from storage import briefing_figures, outbox
from storage.case_models import Case, CaseStatus
from storage.db import make_engine, unit_of_work
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.models import Department, Group, Membership

AT = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # Monday 16:30 in Shanghai
BATCH = 5000
STATUSES = (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS,
            CaseStatus.RECTIFIED, CaseStatus.CLOSED, CaseStatus.CLOSED)


def _row(rng: random.Random, n: int, member: tuple, departments: list[int], areas: dict) -> dict:
    person_id, group_id = member
    created = AT - timedelta(days=rng.uniform(0, 60))
    status = rng.choice(STATUSES)
    assigned = status not in (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED)
    deadline = created + timedelta(days=rng.uniform(5, 40)) if assigned else None
    done = status == CaseStatus.CLOSED
    return dict(id=n, year=2026, seq=n, number=f"2026-{n:06d}", status=status.value,
                area_id=areas[group_id] or 1, description="bench", reporter_id=person_id,
                group_id=group_id, created_at=created, updated_at=created, reopen_count=0,
                key_supervision=False, version=1,
                department_id=rng.choice(departments) if assigned else None,
                assigned_at=created if assigned else None, deadline=deadline,
                rectified_at=created + timedelta(days=3) if status in (
                    CaseStatus.RECTIFIED, CaseStatus.CLOSED) else None,
                closed_at=created + timedelta(days=rng.uniform(4, 50)) if done else None)


def build(url: str | None, count: int, folder: Path) -> str:
    """Migrate, load the demo county, bulk-insert `count` cases in every state; the URL."""
    url = url or f"sqlite:///{folder / 'briefing.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_demo(session, AT, 30)
        members = session.execute(select(Membership.person_id, Membership.group_id)).all()
        departments = list(session.execute(select(Department.id)).scalars())
        areas = dict(session.execute(select(Group.id, Group.area_id)).all())
    rng = random.Random(8)
    for start in range(1, count + 1, BATCH):
        with engine.begin() as connection:
            connection.execute(insert(Case.__table__), [
                _row(rng, n, rng.choice(members), departments, areas)
                for n in range(start, min(start + BATCH, count + 1))])
    engine.dispose()
    return url


def timed(what: str, work):
    """Run `work`, print how long it took; its result."""
    started = time.perf_counter()
    result = work()
    print(f"{what}: {time.perf_counter() - started:.3f} s")
    return result


def main() -> None:
    """Build the database, then measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = build(args.database_url, args.cases, Path(folder))
        engine = make_engine(url)
        settings = Settings(_env_file=None, data_dir=Path(folder) / "data", database_url=url,
                            telegram_token=None)
        app = build_app(settings, engine, FrozenClock(AT))
        with unit_of_work(engine, read_only=True) as session:
            figures = timed(f"figures over {args.cases:,} cases", lambda: briefing_figures.figures(
                session, datetime(2026, 11, 22, 16, tzinfo=UTC), AT))
            print(f"  county: {figures.county}")
            timed("/briefing state (figures, ranking, past briefings)",
                  lambda: build_state(session, settings, AT))
        outcome = timed("16:30 sweep (charts, messages, outbox)",
                        lambda: run_briefing(engine, app.services))
        with unit_of_work(engine, read_only=True) as session:
            queued = len(outbox.by_key_prefix(session, "briefing:"))
        print(f"  outcome {outcome}, {queued:,} pushes queued")
        engine.dispose()


if __name__ == "__main__":
    main()

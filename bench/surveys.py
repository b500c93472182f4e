"""Secret ballots at county-wide scale: 20,000 eligible delegates, 10 departments.

Opens the survey (eligible voters fixed and 20,000 pushes queued), casts `--cast` ballots
through the real dispatcher (start, one press per department, submit: 12 events a ballot, each
its own transaction, as a delegate would), fills the remaining ballots straight into the tables
(so the results run over a full electorate), then times the results. Prints each figure with the
size it was measured at. Goals: results under 1 s; casting at least as fast as the messenger can
deliver the ballot messages (Telegram: about 30 messages a second for a whole bot).

    python -m bench.surveys [--voters 20000] [--cast 1000] [--postgres postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.app import build_app
from bot.config import Settings
from bot.core.types import Event, EventKind
from handlers.surveys import office
from storage import survey_results, surveys
from storage.db import make_engine, unit_of_work
from storage.migrate import upgrade
from storage.models import ChannelIdentity, Department, Person
from storage.survey_models import Survey, SurveyKind
from storage.survey_spec import SurveyDraft

RATINGS = ["满意", "基本满意", "不满意", "不了解"]
DEPARTMENTS = 10
TELEGRAM_PER_SECOND = 30


def prepare(url: str, voters: int) -> None:
    """Migrate; add departments and `voters` county delegates bound on a bench channel."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(Department.__table__), [
            {"id": n + 1, "name": f"部门{n + 1}", "short_name": ""} for n in range(DEPARTMENTS)])
        connection.execute(insert(Person.__table__), [
            {"id": n + 1, "name": f"代表{n}", "phone": f"1{n:010d}", "level": "county",
             "active": True, "created_at": now} for n in range(voters)])
        connection.execute(insert(ChannelIdentity.__table__), [
            {"channel": "bench", "external_id": str(n + 1), "person_id": n + 1,
             "bound_at": now} for n in range(voters)])
    engine.dispose()


def open_survey(app) -> tuple[int, float]:
    """Create and open the evaluation; (its id, seconds to open it for everyone)."""
    now = app.services.clock.utcnow()
    draft = SurveyDraft(
        title="部门满意度测评（压测）", kind=SurveyKind.EVALUATION,
        items=[("department", f"部门{n + 1}", n + 1, None) for n in range(DEPARTMENTS)],
        options=RATINGS, eligible={"groups": [], "levels": ["county"]},
        counted_levels=["county"], opens_at=now, closes_at=now + timedelta(days=7))
    with unit_of_work(app.engine) as session:
        survey_id = surveys.create(session, draft, None, now).id
    started = time.perf_counter()
    with unit_of_work(app.engine) as session:
        office.open_now(session, app.services, survey_id)
    return survey_id, time.perf_counter() - started


async def cast_through_dispatcher(app, survey_id: int, people: range, rng: random.Random) -> int:
    """Each person presses start, answers every department, submits; events handled."""
    events = 0

    async def press(person_id: int, payload: str):
        nonlocal events
        events += 1
        return await app.dispatcher.handle(Event("bench", str(person_id), EventKind.BUTTON,
                                                 payload=payload))

    for person_id in people:
        replies = await press(person_id, f"sv:go:{survey_id}:{person_id}")
        for _ in range(DEPARTMENTS):
            wanted = rng.choice(RATINGS)
            labels = {b.label: b.payload for row in replies[-1].buttons for b in row}
            replies = await press(person_id, labels[wanted])
        replies = await press(person_id, f"sv:ok:{survey_id}")
        assert "已提交" in replies[-1].text, replies[-1].text
    return events


def fill(app, survey_id: int, people: range, rng: random.Random) -> None:
    """The other ballots, cast with the storage call the dialog ends in (no chat)."""
    now = app.services.clock.utcnow()
    with unit_of_work(app.engine) as session:
        items = [item.id for item in surveys.items_of(session, survey_id)]
        for person_id in people:
            choices = {str(item): rng.choice(RATINGS) for item in items}
            surveys.cast(session, survey_id, person_id, choices, now.date(), now)


def time_results(app, survey_id: int) -> tuple[float, int]:
    """Seconds to compute the results; ballots counted."""
    started = time.perf_counter()
    with unit_of_work(app.engine, read_only=True) as session:
        results = survey_results.compute(session, session.get(Survey, survey_id))
    return time.perf_counter() - started, results.ballots


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--cast", type=int, default=1_000,
                        help="ballots cast through the dispatcher (the rest are filled in)")
    parser.add_argument("--postgres", help="a PostgreSQL URL instead of a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.postgres or f"sqlite:///{Path(folder) / 'bench.db'}"
        prepare(url, args.voters)
        settings = Settings(_env_file=None, data_dir=Path(folder) / "data", telegram_token=None,
                            database_url=url, locale="zh_CN")
        app = build_app(settings)
        rng = random.Random(10)
        survey_id, opening = open_survey(app)
        print(f"opened for {args.voters:,} eligible ({args.voters:,} pushes queued): "
              f"{opening:.2f} s")
        cast = min(args.cast, args.voters)
        started = time.perf_counter()
        events = await cast_through_dispatcher(app, survey_id, range(1, cast + 1), rng)
        elapsed = time.perf_counter() - started
        rate = cast / elapsed
        print(f"cast through the dispatcher: {cast:,} ballots ({events:,} events) in "
              f"{elapsed:.1f} s = {rate:.1f} ballots/s, {events / elapsed:.0f} events/s")
        needed = TELEGRAM_PER_SECOND / (DEPARTMENTS + 2)
        print(f"  the messenger delivers at most {TELEGRAM_PER_SECOND} messages/s = "
              f"{needed:.1f} ballots/s (12 messages each): "
              f"{'faster' if rate >= needed else 'SLOWER'} than delivery")
        fill(app, survey_id, range(cast + 1, args.voters + 1), rng)
        seconds, ballots = time_results(app, survey_id)
        print(f"results over {ballots:,} ballots x {DEPARTMENTS} departments: {seconds:.3f} s "
              f"(goal < 1 s: {'met' if seconds < 1 else 'NOT met'})")
        app.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())

"""Fill a database with 100,000 cases; time /tasks, /inbox, /mycases and the 问题清单 export."""

from __future__ import annotations

import argparse
import asyncio
import functools
import multiprocessing
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.core.clock import FrozenClock
from bot.core.context import Context, Services
from bot.core.types import Event, EventKind
from bot.i18n import Catalogs
from handlers.cases import inbox, views
from handlers.cases.case_export import export_cases
from storage import cases, people
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.db import make_engine, unit_of_work
from storage.demo import load_demo
from storage.migrate import upgrade
from storage.models import Area, Department, Group, Liaison, Membership, Person

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
BATCH = 5000
RUNS = 20
TZ = Settings(_env_file=None).tz
STATUS_WEIGHTS = {  # a campaign some months in: most cases with a department, a third closed
    CaseStatus.SUBMITTED: 6, CaseStatus.ACCEPTED: 3, CaseStatus.REJECTED: 5,
    CaseStatus.MERGED: 3, CaseStatus.ASSIGNED: 8, CaseStatus.ACKNOWLEDGED: 8,
    CaseStatus.IN_PROGRESS: 20, CaseStatus.RECTIFIED: 10, CaseStatus.CLOSED: 37,
}
WITH_DEPARTMENT = {CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS,
                   CaseStatus.RECTIFIED, CaseStatus.CLOSED}
TEXTS = ("路边垃圾堆放多日无人清运，影响村民出行", "小区二次供水水质浑浊，居民反映强烈",
         "卫生院缺少常用药品，群众就医不便", "工地夜间施工噪音扰民，未办理夜间施工许可",
         "养老院消防通道被占用，存在安全隐患", "企业反映审批材料重复提交，办事跑多次")


def build(url: str | None, count: int, workdir: Path) -> str:
    """Migrate, load the demo county and add `count` cases; the database URL."""
    url = url or f"sqlite:///{workdir / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        load_demo(session, NOW, 30)
    started = time.perf_counter()
    insert_cases(engine, count, random.Random(2026))
    print(f"inserted {count:,} cases in {time.perf_counter() - started:.1f} s into {url}")
    engine.dispose()
    return url


def _world(session: Session) -> tuple[list, list[int], list[int], dict[int, int | None]]:
    members = session.execute(select(Membership.person_id, Membership.group_id, Person.township)
                              .join(Person, Person.id == Membership.person_id)).all()
    areas = list(session.execute(select(Area.id)).scalars())
    departments = list(session.execute(select(Department.id)).scalars())
    group_areas = dict(session.execute(select(Group.id, Group.area_id)).all())
    return members, areas, departments, group_areas


def insert_cases(engine: Engine, count: int, rng: random.Random) -> None:
    """Bulk-insert cases and their reporters, `BATCH` rows per executemany."""
    with unit_of_work(engine) as session:
        world = _world(session)
        first_id = (session.execute(select(func.max(Case.id))).scalar() or 0) + 1
        first_seq = (session.execute(select(func.max(Case.seq)).where(
            Case.year == NOW.year)).scalar() or 0) + 1
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    for start in range(0, count, BATCH):
        rows, reporters = [], []
        for n in range(start, min(start + BATCH, count)):
            status = rng.choices(statuses, weights)[0]
            row = _case_row(rng, world, first_id + n, first_seq + n, status)
            rows.append(row)
            reporters += _reporter_rows(rng, world[0], row)
        with engine.begin() as connection:
            connection.execute(insert(Case.__table__), rows)
            connection.execute(insert(CaseReporter.__table__), reporters)
    _fix_sequence(engine)


def _case_row(rng: random.Random, world, case_id: int, seq: int, status: str) -> dict:
    members, areas, departments, group_areas = world
    person_id, group_id, township = rng.choice(members)
    final = status in (CaseStatus.CLOSED, CaseStatus.REJECTED, CaseStatus.MERGED)
    created = NOW - timedelta(days=rng.uniform(30, 300) if final else rng.uniform(0, 60))
    row = dict(id=case_id, year=NOW.year, seq=seq, number=f"{NOW.year}-{seq:04d}",
               status=status.value, area_id=group_areas.get(group_id) or rng.choice(areas),
               township=township, description=f"{rng.choice(TEXTS)}（第{seq}号）",
               reporter_id=person_id, group_id=group_id, created_at=created,
               updated_at=created, reopen_count=0, key_supervision=False,
               department_id=None, assigned_at=None, deadline=None, closed_at=None,
               satisfaction=None, progress_note=None, rectified_at=None)
    if status in WITH_DEPARTMENT:
        assigned = created + timedelta(days=2)
        row.update(department_id=rng.choice(departments), assigned_at=assigned,
                   deadline=assigned + timedelta(days=rng.choice((14, 21, 28))),
                   progress_note="已制定整改方案，正在推进")
    if status == CaseStatus.CLOSED:
        row.update(closed_at=row["deadline"] - timedelta(days=1), rectified_at=row["deadline"],
                   satisfaction=rng.choice(("satisfied", "basic")))
    return row


def _reporter_rows(rng: random.Random, members: list, case: dict) -> list[dict]:
    rows = [dict(case_id=case["id"], person_id=case["reporter_id"], group_id=case["group_id"],
                 joined_at=case["created_at"])]
    if rng.random() < 0.1:  # one case in ten was reported by a second squad too (联动)
        person_id, group_id, _ = rng.choice(members)
        if person_id != case["reporter_id"]:
            rows.append(dict(case_id=case["id"], person_id=person_id, group_id=group_id,
                             joined_at=case["created_at"] + timedelta(hours=3)))
    return rows


def _fix_sequence(engine: Engine) -> None:
    """PostgreSQL: move the id sequence past the ids given explicitly."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("SELECT setval(pg_get_serial_sequence('problem_case', 'id'), "
                                    "(SELECT max(id) FROM problem_case))"))


def median_ms(engine: Engine, work: Callable[[Session], object]) -> float:
    """The median of `RUNS` runs of `work`, each in a fresh session, in milliseconds."""
    times = []
    for _ in range(RUNS):
        with Session(engine) as session:
            started = time.perf_counter()
            work(session)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def actors(session: Session) -> dict[str, Person]:
    """A liaison, the leader of the busiest group, staff, and the busiest reporter."""
    busiest_group = session.execute(select(Case.group_id).where(
        Case.status == CaseStatus.SUBMITTED).group_by(Case.group_id)
        .order_by(func.count().desc()).limit(1)).scalar()
    busiest_reporter = session.execute(select(CaseReporter.person_id).group_by(
        CaseReporter.person_id).order_by(func.count().desc()).limit(1)).scalar()
    return {
        "liaison": session.get(Person, session.execute(select(Liaison.person_id)).scalar()),
        "leader": session.get(Person, session.execute(select(Membership.person_id).where(
            Membership.group_id == busiest_group, Membership.is_leader)).scalar()),
        "staff": people.with_role(session, people.Role.STAFF)[0],
        "reporter": session.get(Person, busiest_reporter),
    }


QUERIES: dict[str, Callable[[Session, Person], object]] = {
    "/tasks (liaison)": lambda s, p: cases.tasks_of(
        s, [d.id for d in people.departments_of(s, p.id)], views.TASKS_LIMIT + 1),
    "/inbox (leader)": lambda s, p: cases.awaiting_triage(
        s, [g.id for g, lead in people.groups_of(s, p.id) if lead], views.LIST_LIMIT + 1),
    "/inbox (staff)": lambda s, p: (cases.awaiting_triage(s, None, views.LIST_LIMIT + 1),
                                    cases.awaiting_assignment(s, views.LIST_LIMIT + 1)),
    "/mycases": lambda s, p: cases.reported_by(s, p.id, views.LIST_LIMIT + 1),
}
HANDLERS = {"/tasks (liaison)": views.tasks, "/inbox (leader)": inbox.inbox,
            "/inbox (staff)": inbox.inbox, "/mycases": views.mycases}
ACTOR_OF = {"/tasks (liaison)": "liaison", "/inbox (leader)": "leader",
            "/inbox (staff)": "staff", "/mycases": "reporter"}


@functools.cache
def _loop() -> asyncio.AbstractEventLoop:
    """One event loop for every timed handler, made on first use."""
    return asyncio.new_event_loop()


def run_handler(session: Session, services: Services, person: Person, handler) -> None:
    """Run one view handler as `person`, rendering included."""
    event = Event("bench", str(person.id), EventKind.COMMAND, command="x")
    ctx = Context(session, event, services, person, people.effective_roles(session, person))
    _loop().run_until_complete(handler(ctx))


def time_views(url: str) -> None:
    """Print the median time of each query alone and of its whole handler."""
    engine = make_engine(url)
    services = Services(Settings(_env_file=None), Catalogs(), FrozenClock(NOW))
    with Session(engine) as session:
        who = {role: session.get(Person, p.id) for role, p in actors(session).items()}
    print(f"{'view':<18}{'query ms':>10}{'handler ms':>12}   (median of {RUNS})")
    for name, query in QUERIES.items():
        person = who[ACTOR_OF[name]]
        query_ms = median_ms(engine, lambda s, q=query, p=person: q(s, p))
        handler_ms = median_ms(engine, lambda s, h=HANDLERS[name], p=person: run_handler(
            s, services, s.get(Person, p.id), h))
        print(f"{name:<18}{query_ms:>10.2f}{handler_ms:>12.2f}")
    engine.dispose()


def _export_child(url: str, out: str, results) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session:
        rows = export_cases(session, Path(out), NOW, TZ)
    results.put((rows, time.perf_counter() - started))


def time_export(url: str, workdir: Path) -> None:
    """Export in a fresh process (time, peak RSS), then here under tracemalloc (heap peak)."""
    out = workdir / "问题清单.xlsx"
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    child = spawn.Process(target=_export_child, args=(url, str(out), results))
    child.start()
    rows, seconds = results.get()
    child.join()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"export: {rows:,} rows in {seconds:.2f} s, {out.stat().st_size / 2**20:.1f} MiB file, "
          f"peak RSS of the exporting process {rss:.0f} MiB")
    engine = make_engine(url)
    tracemalloc.start()
    with Session(engine) as session:
        export_cases(session, out, NOW, TZ)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"export: tracemalloc peak {peak:.1f} MiB of Python allocations")
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """`python -m bench.cases [--cases N] [--database-url URL]`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=None,
                        help="add the cases to this database instead of a temporary SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="liandong-bench-") as workdir:
        url = build(args.database_url, args.cases, Path(workdir))
        time_views(url)
        time_export(url, Path(workdir))


if __name__ == "__main__":
    main()

"""Console pushes: held ones named once with their time, all due ones out before goodbye."""

from __future__ import annotations

import io
import sys
import threading
import time
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import select

from bot import runtime
from bot.core.context import queue_push
from bot.core.types import Reply
from storage import outbox
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Person
from tests.console_support import console, run_lines
from tests.factories import demo_reporter, leader_of
from tests.given import zh

NIGHT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
MORNING = datetime(2026, 11, 23, 23, 31, tzinfo=UTC)  # 07:31 the next day in Shanghai
DESCRIPTION = "镇中心小学门前道路破损积水，学生上下学不安全"
REPORT = ["/report", "7", DESCRIPTION, "1", "1", "1", "1"]
BYE = "输入结束，再见。"


def _others(app, count: int) -> list[Person]:
    """`count` people, none of them the demo staff member the console starts as."""
    with unit_of_work(app.engine) as session:
        return list(session.exec(select(Person).where(Person.phone != DEMO_STAFF_PHONE)
                                 .order_by(Person.id).limit(count)).all())


def _queue(app, person: Person, key: str, text: str) -> None:
    with unit_of_work(app.engine) as session:
        queue_push(session, app.services, person.id, key, Reply(text), quiet=False)


async def test_a_push_held_for_quiet_hours_is_named_once_with_the_time_it_goes(app, demo, clock):
    clock.set(NIGHT)
    with unit_of_work(app.engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
    channel, out = console(app)
    for line in [f"/as {reporter.phone}", *REPORT, "/whoami", "/mycases"]:
        await channel.handle_line(line)
    night = out.getvalue()
    preview = f"📋 新问题线索 2026-0001 待分拣：{DESCRIPTION}…"  # the push has a second line
    held = zh(app)("console.held", name=leader.name, text=preview, time="07:30")
    assert held == f"⏰ {leader.name}：{preview} （07:30 发出）"
    assert night.count(held) == 1
    assert night.index("✅ 已提交！") < night.index(held) < night.index("> /whoami")
    assert f"📨 → {leader.name}" not in night

    clock.set(MORNING)
    await channel.handle_line("/whoami")
    morning = out.getvalue()[len(night):]
    assert f"📨 → {leader.name}：{preview}\n" in morning
    assert "⏰" not in morning


async def test_a_held_push_for_the_person_played_is_named_too(app, demo, clock):
    clock.set(NIGHT)
    with unit_of_work(app.engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
    output = await run_lines(app, [f"/as {reporter.phone}", *REPORT, f"/as {leader.phone}",
                                   "/inbox", "2"])
    assert f"⏰ {reporter.name}：您反映的问题 2026-0001 已受理" in output
    assert "（07:30 发出）" in output.split("> 2 → 受理")[-1]


async def test_everything_due_is_delivered_before_goodbye(app, demo):
    people = _others(app, 60)  # more than one round of the worker
    for person in people:
        _queue(app, person, f"test:{person.id}", f"通知 {person.id}")
    output = await run_lines(app, ["/whoami"])
    assert output.count("📨 → ") == 60
    assert output.rstrip().endswith(BYE)


async def test_a_long_push_for_someone_else_ends_with_an_ellipsis(app, demo):
    first, second, third = _others(app, 3)
    long = "长" * 100
    _queue(app, first, "test:long", long)
    _queue(app, second, "test:lines", "第一行\n第二行")
    _queue(app, third, "test:short", "短通知")
    output = await run_lines(app, ["/whoami"])
    assert f"📨 → {first.name}：{'长' * 69}…\n" in output
    assert f"📨 → {second.name}：第一行…\n" in output
    assert f"📨 → {third.name}：短通知\n" in output


class _SlowStdin:
    """Ends the input once the scheduled job has started, so the job is running at the end."""

    def __init__(self, started: threading.Event) -> None:
        self.started = started

    def readline(self) -> str:
        self.started.wait(30)
        return ""


async def test_at_the_end_the_scheduler_stops_then_pushes_go_then_goodbye(
        app, demo, monkeypatch, caplog):
    started = threading.Event()
    (someone,) = _others(app, 1)

    def late_sweep() -> None:
        started.set()
        time.sleep(0.3)
        _queue(app, someone, "test:late", "晚到的通知")

    def scheduler(_app) -> AsyncIOScheduler:
        built = AsyncIOScheduler(timezone="Asia/Shanghai")
        built.add_job(late_sweep, next_run_time=datetime.now(UTC))
        return built

    out = io.StringIO()
    monkeypatch.setattr(runtime, "build_scheduler", scheduler)
    monkeypatch.setattr(sys, "stdin", _SlowStdin(started))
    monkeypatch.setattr(sys, "stdout", out)
    await runtime.run_console(app)
    output = out.getvalue()
    assert output.index(f"📨 → {someone.name}：晚到的通知") < output.index(BYE)
    assert output.rstrip().endswith(BYE)
    assert not [r for r in caplog.records if r.exc_info or "CancelledError" in r.getMessage()]
    with unit_of_work(app.engine) as session:
        assert outbox.by_key_prefix(session, "test:late")[0].status == "sent"

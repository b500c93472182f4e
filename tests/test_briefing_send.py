"""Sending the daily briefing: at 16:30 on working days, once per person, late within the grace
window, skipped after it, never twice however many sweeps run at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import select

from schedules.briefing import run_briefing
from storage.db import unit_of_work
from storage.models import Membership, Person, Role, RoleGrant
from tests.briefing_support import briefing_rows, give_cases, push_to, pushes, sh, squads
from tests.factories import Cast, make_cast

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _office(engine) -> list[int]:
    with unit_of_work(engine, read_only=True) as session:
        return sorted(set(session.exec(select(RoleGrant.person_id).where(
            RoleGrant.role.in_([Role.STAFF.value, Role.LEADERSHIP.value]))).all()))


def _squad_members(engine) -> set[int]:
    ids = [s.id for s in squads(engine)]
    with unit_of_work(engine, read_only=True) as session:
        return set(session.exec(select(Membership.person_id).where(
            Membership.group_id.in_(ids))).all())


def test_nothing_before_half_past_four_then_one_briefing_per_person(app, clock, cast):
    clock.set(sh(23, 16, 29))  # Monday
    assert run_briefing(app.engine, app.services) == {}
    clock.set(sh(23, 16, 30))
    assert run_briefing(app.engine, app.services) == {"daily": "sent"}
    [briefing] = briefing_rows(app.engine)
    assert (briefing.kind, briefing.day.isoformat(), briefing.status) == \
        ("daily", "2026-11-23", "sent")
    readers = _squad_members(app.engine) | set(_office(app.engine))
    queued = pushes(app.engine, briefing.id)
    assert sorted(r.person_id for r in queued) == sorted(readers)  # one message each
    clock.set(sh(23, 16, 31))
    assert run_briefing(app.engine, app.services) == {}
    assert len(pushes(app.engine)) == len(readers)


def test_a_person_in_two_squads_gets_one_message_with_both_sections(app, clock, cast):
    first, second = squads(app.engine)[:2]
    with unit_of_work(app.engine) as session:
        person = session.exec(select(Person).join(
            Membership, Membership.person_id == Person.id).where(
            Membership.group_id == first.id)).first()
        if not session.get(Membership, (person.id, second.id)):
            session.add(Membership(person_id=person.id, group_id=second.id))
    clock.set(sh(23, 16, 30))
    run_briefing(app.engine, app.services)
    [briefing] = briefing_rows(app.engine)
    text = push_to(app.engine, person.id, briefing.id).payload["text"]
    assert f"【{first.name}】" in text and f"【{second.name}】" in text
    assert "【全县】" not in text  # the county section is the office's
    staff = push_to(app.engine, cast.staff.id, briefing.id).payload["text"]
    assert staff.startswith("📊 每日调度通报 · 2026-11-23")
    assert "【全县】" in staff and "评分规则：得分 = 60×整改率" in staff


def test_no_briefing_on_a_weekend_or_before_the_campaign(app, clock, cast):
    clock.set(sh(22, 16, 45))  # Sunday
    assert run_briefing(app.engine, app.services) == {}
    app.settings.campaign_start = sh(24, 12).date()
    clock.set(sh(23, 16, 45))
    assert run_briefing(app.engine, app.services) == {}
    assert briefing_rows(app.engine) == []


def test_started_within_the_grace_window_it_sends_once_marked_late(app, clock, cast):
    clock.set(sh(23, 18, 10))  # down at 16:30, up again 1 h 40 min later
    assert run_briefing(app.engine, app.services) == {"daily": "late"}
    [briefing] = briefing_rows(app.engine)
    assert briefing.status == "late"
    text = push_to(app.engine, cast.staff.id, briefing.id).payload["text"]
    assert text.startswith("📊 每日调度通报 · 2026-11-23（迟发）")
    clock.set(sh(23, 18, 20))
    assert run_briefing(app.engine, app.services) == {}
    assert len(briefing_rows(app.engine)) == 1


def test_after_the_grace_window_it_skips_and_logs_one_line(app, clock, cast, caplog):
    caplog.set_level(logging.INFO, logger="schedules.briefing")
    clock.set(sh(23, 18, 30))  # 16:30 + 2 hours: the window is over
    assert run_briefing(app.engine, app.services) == {"daily": "skipped"}
    clock.set(sh(23, 18, 31))
    assert run_briefing(app.engine, app.services) == {}
    [briefing] = briefing_rows(app.engine)
    assert briefing.status == "skipped"
    assert pushes(app.engine) == []
    lines = [r for r in caplog.records if r.name == "schedules.briefing"]
    assert len(lines) == 1 and "daily briefing of 2026-11-23 skipped" in lines[0].getMessage()


def test_two_sweeps_at_the_same_moment_send_one_briefing(app, clock, cast, engine):
    """Two processes (threads with their own connections) at 16:30: one briefing, one push
    per person (on PostgreSQL too, when the run asks for it).
    """
    clock.set(sh(23, 16, 30))
    barrier, results = threading.Barrier(2), []

    def sweep() -> None:
        barrier.wait()
        try:
            results.append(run_briefing(engine, app.services))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.get("daily", "") for r in results) in (["", "sent"], ["done", "sent"])
    assert len(briefing_rows(engine)) == 1
    keys = [r.dedupe_key for r in pushes(engine)]
    assert len(keys) == len(set(keys)) == len(_squad_members(engine) | set(_office(engine)))


def test_change_since_the_last_briefing(app, clock, cast):
    squad = squads(app.engine)[0]
    give_cases(app.engine, squad, sh(23, 9), assigned=3, closed=1)
    clock.set(sh(23, 16, 30))
    run_briefing(app.engine, app.services)
    give_cases(app.engine, squad, sh(24, 9), assigned=2, closed=2)
    clock.set(sh(24, 16, 30))
    run_briefing(app.engine, app.services)
    second = briefing_rows(app.engine)[-1]
    text = push_to(app.engine, cast.staff.id, second.id).payload["text"]
    # county: 3 → 5 cases, 1 → 3 closed out, none overdue either day
    assert "较上次：累计 +2 · 销号 +2 · 逾期 ±0" in text
    assert second.figures["county"]["total"] == 5
    assert second.figures["squads"][str(squad.id)]["closed"] == 3


async def test_two_processes_sweeping_at_once_send_one_briefing(app, cast, engine, tmp_path):
    """Two real processes on one database (SQLite file or PostgreSQL): one sends."""
    url = engine.url.render_as_string(hide_password=False)
    start = tmp_path / "go"
    processes = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.processes.briefing", url, sh(23, 16, 30).isoformat(),
        str(start), cwd=str(ROOT), stdout=asyncio.subprocess.PIPE) for _ in range(2)]
    await asyncio.sleep(1.5)  # both started and waiting
    start.touch()
    outputs = [await process.communicate() for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    outcomes = sorted(json.loads(out.decode().strip().splitlines()[-1]).get("daily", "")
                      for out, _ in outputs)
    assert outcomes in (["", "sent"], ["done", "sent"])
    assert len(briefing_rows(engine)) == 1
    keys = [r.dedupe_key for r in pushes(engine)]
    assert len(keys) == len(set(keys)) == len(_squad_members(engine) | set(_office(engine)))

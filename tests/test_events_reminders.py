"""Reminders 24 h and 2 h before an activity, to those signed up, each queued once however
often the sweep runs (and across a restart); a move replaces them, a cancellation tells those
signed up; quiet hours hold them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_app
from bot.core.types import Reply
from schedules.activities import run_event_reminders
from schedules.runner import build_scheduler
from tests.event_support import EventCast, event_cast, keys, make_activity, members_bound
from tests.given import bound
from tests.notice_support import Recorder, deliver, rows

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


async def _two_signed_up(app, cast, start: datetime, first_id: int):
    act = make_activity(app.engine, cast.leader, [cast.group.id], start)
    dialogs = await members_bound(app, cast, 3, first_id)
    for dialog in dialogs[:2]:
        await dialog.press(f"ev:yes:{act.id}")
    return act, dialogs


def _reminded(engine, activity_id: int, status: str | None = None) -> list[str]:
    return keys(engine, f"event:{activity_id}:remind:", status)


async def test_each_reminder_is_queued_once_across_reruns_and_a_restart(
        app, cast, clock, settings, engine):
    act, _ = await _two_signed_up(app, cast, sh(25, 9, 30), 8201)
    signed = [p.id for p in cast.members[:2]]
    clock.set(sh(24, 9, 0))  # 24.5 h before: nothing due yet
    assert run_event_reminders(app.engine, app.services) == 0
    clock.set(sh(24, 9, 35))  # within 24 h
    assert run_event_reminders(app.engine, app.services) == 2
    assert run_event_reminders(app.engine, app.services) == 0  # a re-run
    restarted = build_app(settings, engine, clock)  # a new process on the same database
    assert run_event_reminders(restarted.engine, restarted.services) == 0
    clock.set(sh(25, 7, 45))  # within 2 h
    assert run_event_reminders(app.engine, app.services) == 2
    assert run_event_reminders(restarted.engine, restarted.services) == 0
    clock.set(sh(25, 9, 31))  # started: nothing more
    assert run_event_reminders(app.engine, app.services) == 0
    stamp = "20261125T0130"
    assert sorted(_reminded(app.engine, act.id)) == sorted(
        [f"event:{act.id}:remind:{stamp}:1440:{pid}" for pid in signed]
        + [f"event:{act.id}:remind:{stamp}:120:{pid}" for pid in signed])


async def test_a_reminder_names_the_time_the_place_and_offers_check_in(app, cast, clock):
    act, _ = await _two_signed_up(app, cast, sh(25, 9, 30), 8211)
    clock.set(sh(24, 10, 0))
    run_event_reminders(app.engine, app.services)
    row = rows(app.engine, f"event:{act.id}:remind:")[0]
    reply = Reply.from_dict(row.payload)
    assert "活动提醒" in reply.text and "11月25日 周三 09:30–11:30" in reply.text
    assert "县人大三楼会议室" in reply.text
    assert [b.payload for r in reply.buttons for b in r] == [f"ev:ci:{act.id}"]


async def test_a_moved_activity_never_sends_reminders_for_the_old_time(app, cast, clock):
    act, _ = await _two_signed_up(app, cast, sh(25, 9, 30), 8221)
    clock.set(sh(24, 10, 0))
    assert run_event_reminders(app.engine, app.services) == 2
    organiser = await bound(app, cast.leader, "8224")
    await organiser.press(f"ev:mv:{act.id}")
    await organiser.send("11月27日 15:00")
    assert "11月27日 周五 15:00–17:00" in organiser.text
    invited = len(cast.members)  # everyone invited but the organiser is told
    assert len(keys(app.engine, f"event:{act.id}:moved:")) == invited
    old = _reminded(app.engine, act.id)
    assert len(old) == 2 and _reminded(app.engine, act.id, "cancelled") == old
    clock.set(sh(24, 10, 5))
    assert run_event_reminders(app.engine, app.services) == 0  # not due for the new time
    channel = Recorder()
    await deliver(app, channel)
    assert not any("活动提醒" in r.text for _, r in channel.sent)
    clock.set(sh(26, 15, 30))  # 23.5 h before the new start
    assert run_event_reminders(app.engine, app.services) == 2
    new = [k for k in _reminded(app.engine, act.id) if k not in old]
    assert all(":20261127T0700:1440:" in k for k in new) and len(new) == 2


async def test_a_cancellation_tells_those_signed_up_and_drops_pending_reminders(
        app, cast, clock):
    act, dialogs = await _two_signed_up(app, cast, sh(25, 9, 30), 8231)
    clock.set(sh(24, 10, 0))
    run_event_reminders(app.engine, app.services)
    organiser = await bound(app, cast.leader, "8234")
    await organiser.press(f"ev:cx:{act.id}")
    await organiser.press("确定取消")
    await organiser.press(f"ev:cxy:{act.id}")  # a second tap
    assert "已取消" in organiser.text
    told = keys(app.engine, f"event:{act.id}:cancelled:")
    assert sorted(told) == sorted(f"event:{act.id}:cancelled:{p.id}" for p in cast.members[:2])
    assert len(_reminded(app.engine, act.id, "cancelled")) == 2
    clock.set(sh(25, 8, 0))
    assert run_event_reminders(app.engine, app.services) == 0
    await dialogs[2].press(f"ev:yes:{act.id}")
    assert "已取消" in dialogs[2].text


async def test_reminders_wait_out_quiet_hours_and_are_skipped_past_the_start(app, cast, clock):
    early, _ = await _two_signed_up(app, cast, sh(25, 8, 0), 8241)
    clock.set(sh(25, 6, 30))  # the 2 h reminder falls in quiet hours
    assert run_event_reminders(app.engine, app.services) == 2
    held = rows(app.engine, f"event:{early.id}:remind:")
    assert {row.not_before for row in held} == {sh(25, 7, 30)}
    dawn = make_activity(app.engine, cast.leader, [cast.group.id], sh(26, 7, 0))
    clock.set(sh(26, 5, 30))  # held until 07:30, after the start: pointless, not queued
    assert run_event_reminders(app.engine, app.services) == 0
    assert _reminded(app.engine, dawn.id) == []


def test_the_scheduler_runs_the_reminder_sweep(app):
    assert "event_reminders" in {job.id for job in build_scheduler(app).get_jobs()}


async def test_an_activity_an_hour_away_gets_only_the_two_hour_reminder(app, cast, clock):
    act, _ = await _two_signed_up(app, cast, sh(23, 11, 0), 8251)  # the clock stands at 10:00
    assert run_event_reminders(app.engine, app.services) == 2
    assert all(":120:" in key for key in _reminded(app.engine, act.id))


async def test_the_offsets_are_a_setting(app, cast, clock, settings, engine):
    act, _ = await _two_signed_up(app, cast, sh(23, 13, 0), 8261)  # three hours away
    three = build_app(settings.model_copy(update={"event_reminder_hours": (3.0,)}), engine,
                      clock)
    assert run_event_reminders(three.engine, three.services) == 2
    assert all(":180:" in key for key in _reminded(engine, act.id))

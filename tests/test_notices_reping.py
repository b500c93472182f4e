"""Re-pinging those who have not said 收到: by hand (once per press) and automatically (once,
4 hours after delivery, never in quiet hours); urgent notices go in quiet hours too.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.types import Reply
from schedules.notices import run_notice_reping
from schedules.runner import build_scheduler
from storage import notices
from storage.db import unit_of_work
from tests.given import audits, bound, zh
from tests.notice_support import (
    NoticeCast,
    Recorder,
    deliver,
    leader_sends,
    notice_cast,
    originals,
    recipients,
    rows,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def cast(app, demo) -> NoticeCast:
    return notice_cast(app.engine)


def _acknowledge(app, notice_id: int, people) -> None:
    with unit_of_work(app.engine) as session:
        for person in people:
            notices.acknowledge(session, notice_id, person.id, app.services.clock.utcnow())


def _repinged(engine, notice_id: int, number: int) -> list[int]:
    return sorted(row.person_id for row in rows(engine, f"notice:{notice_id}:reping:{number}:"))


async def test_a_reping_by_hand_reminds_who_got_it_and_did_not_acknowledge(app, cast):
    dialog, notice_id = await leader_sends(app, cast, "7501")
    blocked = cast.members[0]
    await deliver(app, Recorder(failing={str(blocked.id)}))
    _acknowledge(app, notice_id, cast.members[1:4])
    await dialog.send(f"/notice {notice_id}")
    await dialog.press("🔔 提醒未确认的人")
    waiting = [p.id for p in cast.members[4:]]
    assert dialog.text == f"已提醒 {len(waiting)} 位收到通知 #{notice_id} 但还没有确认的人。"
    assert _repinged(app.engine, notice_id, 1) == waiting  # not the failed, not the acknowledged
    reminder = Reply.from_dict(rows(app.engine, f"notice:{notice_id}:reping:1:")[0].payload)
    assert reminder.text.startswith("🔔 提醒") and f"通知 #{notice_id}" in reminder.text
    assert [b.payload for row in reminder.buttons for b in row] == [f"n:ack:{notice_id}"]

    await dialog.press(f"n:rp:{notice_id}:1")  # the same button again: a double tap
    assert dialog.text == zh(app)("notices.reping_stale", number=notice_id)
    assert len(rows(app.engine, f"notice:{notice_id}:reping:")) == len(waiting)
    assert [a.note for a in audits(app.engine, "notice.repinged")] == [f"1: {len(waiting)}"]


async def test_nobody_to_remind_sends_nothing(app, cast):
    dialog, notice_id = await leader_sends(app, cast, "7502")
    await dialog.press(f"n:rp:{notice_id}:1")  # nothing delivered yet
    assert dialog.text == zh(app)("notices.reping_nobody", number=notice_id)
    assert rows(app.engine, f"notice:{notice_id}:reping:") == []


async def test_the_automatic_reping_comes_once_four_hours_after_delivery(app, cast, clock):
    _, notice_id = await leader_sends(app, cast, "7503")
    await deliver(app, Recorder())
    _acknowledge(app, notice_id, cast.members[:2])
    clock.advance(hours=3, minutes=59)
    assert run_notice_reping(app.engine, app.services) == 0
    clock.advance(minutes=1)
    waiting = [p.id for p in cast.members[2:]]
    assert run_notice_reping(app.engine, app.services) == len(waiting)
    assert _repinged(app.engine, notice_id, 0) == waiting
    assert {r.reminded_at for r in recipients(app.engine, notice_id)
            if r.person_id in waiting} == {clock.utcnow()}
    clock.advance(hours=5)
    assert run_notice_reping(app.engine, app.services) == 0  # at most once automatically
    assert len(rows(app.engine, f"notice:{notice_id}:reping:")) == len(waiting)


async def test_the_automatic_reping_waits_out_quiet_hours(app, cast, clock):
    clock.set(sh(23, 19))
    _, notice_id = await leader_sends(app, cast, "7504")
    await deliver(app, Recorder())
    clock.set(sh(23, 23, 30))  # 4½ hours later, but at night
    assert run_notice_reping(app.engine, app.services) == 0
    clock.set(sh(24, 7, 20))
    assert run_notice_reping(app.engine, app.services) == 0
    clock.set(sh(24, 7, 30))
    assert run_notice_reping(app.engine, app.services) == len(cast.members)
    assert {r.not_before for r in rows(app.engine, f"notice:{notice_id}:reping:0:")} == {
        sh(24, 7, 30)}


async def test_the_delay_is_a_setting_and_counts_from_delivery(app, cast, clock, settings):
    settings.notice_reping_after_hours = 1
    clock.set(sh(23, 21, 30))  # sent in the evening: held until the morning
    _, notice_id = await leader_sends(app, cast, "7505")
    clock.set(sh(24, 7, 30))
    await deliver(app, Recorder())
    clock.set(sh(24, 8, 29))
    assert run_notice_reping(app.engine, app.services) == 0  # 11 hours after sending, but
    clock.set(sh(24, 8, 30))  # only 59 minutes after delivery
    assert run_notice_reping(app.engine, app.services) == len(cast.members)
    assert len(_repinged(app.engine, notice_id, 0)) == len(cast.members)


async def test_a_withdrawn_notice_is_not_repinged(app, cast, clock):
    dialog, notice_id = await leader_sends(app, cast, "7506")
    await deliver(app, Recorder())
    await dialog.press(f"n:wdy:{notice_id}")
    clock.advance(hours=5)
    assert run_notice_reping(app.engine, app.services) == 0
    await dialog.press(f"n:rp:{notice_id}:1")
    assert dialog.text == zh(app)("notices.already_withdrawn", number=notice_id)


def test_the_scheduler_runs_the_reping_sweep(app):
    assert "notice_reping" in {job.id for job in build_scheduler(app).get_jobs()}


async def test_an_urgent_notice_goes_in_quiet_hours_and_a_plain_one_waits(app, cast, clock):
    clock.set(sh(23, 23))
    staff = await bound(app, cast.staff, "7507")
    for urgent in (True, False):
        await staff.send("/notify")
        await staff.send("今晚大风降温，请各位代表注意安全。")
        await staff.press("完成")
        await staff.press("按代表层级")
        await staff.press("全国人大代表")
        await staff.press("选好了")
        if urgent:
            await staff.press("标为紧急")
            assert staff.last[0].edit and "🔴 紧急" in staff.text
            assert "取消紧急" in staff.labels()
        await staff.press("f:notice:preview:send")
        notice_id = int(staff.text.split("#")[1].split()[0])
        due = {row.not_before for row in originals(app.engine, notice_id)}
        assert due == ({sh(23, 23)} if urgent else {sh(24, 7, 30)})
        pushed = Reply.from_dict(originals(app.engine, notice_id)[0].payload).text
        assert pushed.startswith("🔴 紧急通知" if urgent else "📢 通知")


async def test_only_staff_mark_a_notice_urgent(app, cast, clock):
    dialog = await bound(app, cast.leader, "7508")
    await dialog.send("/notify")
    await dialog.send("明天开会。")
    await dialog.press("完成")
    await dialog.press("选好了")
    assert "标为紧急" not in dialog.labels()
    await dialog.press("f:notice:preview:urgent")  # forged
    assert dialog.text.startswith(zh(app)("common.not_allowed"))
    assert [a.note for a in audits(app.engine, "denied")] == ["urgent"]
    clock.set(sh(23, 23))
    await dialog.press("f:notice:preview:send")
    notice_id = int(dialog.text.split("#")[1].split()[0])
    assert {row.not_before for row in originals(app.engine, notice_id)} == {sh(24, 7, 30)}

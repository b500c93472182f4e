"""Recurring series: weekly, every N days, monthly on a day of the month; one occurrence moved
alone, the rest of a series moved or cancelled at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from handlers.activities.series import parse_repeat, starts
from storage.activity_models import Activity
from storage.db import unit_of_work
from tests.event_support import SEND, EventCast, create_by_dialog, event_cast, members_bound
from tests.given import bound
from tests.notice_support import rows

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


def _series(engine) -> list[Activity]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(Activity).order_by(Activity.start_at)).all())


async def _weekly(app, cast, user_id: str = "8601"):
    dialog = await bound(app, cast.leader, user_id)
    await create_by_dialog(dialog, kind="联席会议", title="每周联席会议", start="11月25日 09:00",
                           end="10:30", repeat="每周 4次")
    assert "重复：每周，共 4 次，最后一次 12月16日 周三 09:00" in dialog.text
    await dialog.press(SEND)
    assert "已创建 4 次活动" in dialog.text
    return dialog


async def test_a_weekly_series_creates_each_occurrence_and_invites_a_week_ahead(
        app, cast, clock):
    await _weekly(app, cast)
    made = _series(app.engine)
    assert [a.start_at for a in made] == [sh(11, 25, 9), sh(12, 2, 9), sh(12, 9, 9),
                                          sh(12, 16, 9)]
    assert {a.series_id for a in made} == {made[0].id}
    member = cast.members[0].id
    due = {a.id: next(r.not_before for r in rows(app.engine, f"event:{a.id}:invite:")
                      if r.dedupe_key == f"event:{a.id}:invite:{member}") for a in made}
    assert due[made[0].id] == clock.utcnow()
    assert due[made[1].id] == sh(11, 25, 9)  # a week before 2 December
    assert due[made[3].id] == sh(12, 9, 9)


def test_every_n_days_and_monthly_on_a_day_that_some_months_lack() -> None:
    start = sh(1, 31, 9, year=2027).astimezone(UTC)
    assert [s.astimezone(SHANGHAI).date().isoformat()
            for s in starts(start, parse_repeat("每月 3次"), SHANGHAI)] == [
        "2027-01-31", "2027-03-31", "2027-05-31"]
    assert [s.astimezone(SHANGHAI).day for s in starts(start, parse_repeat("每10天 3次"),
                                                       SHANGHAI)] == [31, 10, 20]
    assert parse_repeat("每周 1次") is None and parse_repeat("每天") is None


async def test_one_occurrence_moves_alone_and_the_rest_of_a_series_together(app, cast, clock):
    dialog = await _weekly(app, cast, "8611")
    first, second, third, fourth = _series(app.engine)
    await dialog.press(f"ev:mv:{second.id}")
    await dialog.send("12月3日 09:00")
    after = {a.id: a.start_at for a in _series(app.engine)}
    assert after[second.id] == sh(12, 3, 9)
    assert after[third.id] == sh(12, 9, 9) and after[first.id] == sh(11, 25, 9)
    await dialog.send(f"/roster {third.id}")
    assert "系列活动：第 3/4 次" in dialog.text
    await dialog.press("整个系列改时间")
    await dialog.send("12月10日 14:00")  # the third, and the fourth after it, a day and 5 h later
    assert "已把 2 次活动改期" in dialog.text
    after = {a.id: a.start_at for a in _series(app.engine)}
    assert after[third.id] == sh(12, 10, 14) and after[fourth.id] == sh(12, 17, 14)
    assert after[second.id] == sh(12, 3, 9)
    assert len(rows(app.engine, f"event:{fourth.id}:moved:")) == len(cast.members)
    key = f"event:{fourth.id}:invite:{cast.members[0].id}"
    [held] = [row for row in rows(app.engine, key) if row.dedupe_key == key]
    assert held.status == "pending" and held.not_before == sh(12, 10, 14)  # a week ahead
    assert "12月17日 周四 14:00" in held.payload["text"]  # drawn with the new time


async def test_cancelling_the_rest_of_a_series_keeps_the_earlier_occurrences(app, cast, clock):
    dialog = await _weekly(app, cast, "8621")
    first, second, third, fourth = _series(app.engine)
    [member] = await members_bound(app, cast, 1, 8622)
    await member.press(f"ev:yes:{fourth.id}")
    await dialog.press(f"ev:cxs:{third.id}")
    assert "及其后的 1 次" in dialog.text
    await dialog.press("确定取消")
    assert "已取消 2 次活动，已通知 1 人" in dialog.text
    states = {a.id: a.state for a in _series(app.engine)}
    assert states == {first.id: "active", second.id: "active", third.id: "cancelled",
                      fourth.id: "cancelled"}
    assert [r.person_id for r in rows(app.engine, f"event:{fourth.id}:cancelled:")] == [
        cast.members[0].id]
    assert {r.status for r in rows(app.engine, f"event:{third.id}:invite:")} == {"cancelled"}

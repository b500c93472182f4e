"""Check-in: from 1 h before the start to 2 h after, by those signed up, within the radius of
the activity's location when it has one; the organiser marks attendance by hand.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.activity_models import Answer
from tests.event_support import EventCast, answers, event_cast, make_activity, members_bound
from tests.given import bound, zh

SITE = (38.0512, 114.3621)
NEAR = (38.0550, 114.3621)  # about 420 m north
FAR = (38.0700, 114.3621)  # about 2.1 km north


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


async def test_check_in_opens_an_hour_before_and_closes_two_hours_after(app, cast, clock):
    start = clock.utcnow() + timedelta(hours=3)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start)
    member, other = await members_bound(app, cast, 2, 8301)
    await member.press(f"ev:yes:{act.id}")
    await member.press(f"ev:ci:{act.id}")
    assert member.text == zh(app)("events.checkin_too_early", number=act.id)
    await other.press(f"ev:ci:{act.id}")  # not signed up
    assert other.text == zh(app)("events.checkin_not_signed_up", number=act.id)
    clock.advance(hours=2, minutes=1)  # 59 minutes before the start
    await member.press(f"ev:ci:{act.id}")
    assert member.text == zh(app)("events.checked_in", number=act.id, title="专题视察")
    assert answers(app.engine, act.id)[cast.members[0].id].checked_in_at == clock.utcnow()
    await member.press(f"ev:ci:{act.id}")
    assert member.text == zh(app)("events.checkin_already", number=act.id)


async def test_check_in_after_the_window_is_refused(app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(hours=1))
    [member] = await members_bound(app, cast, 1, 8311)
    await member.press(f"ev:yes:{act.id}")
    clock.advance(hours=3, minutes=1)  # 2 h 1 min after the start
    await member.press(f"ev:ci:{act.id}")
    assert member.text == zh(app)("events.checkin_too_late", number=act.id)
    assert answers(app.engine, act.id)[cast.members[0].id].checked_in_at is None


async def test_with_a_location_the_person_shares_theirs_within_the_radius(app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(minutes=30), lat=SITE[0], lon=SITE[1])
    [member] = await members_bound(app, cast, 1, 8321)
    await member.press(f"ev:yes:{act.id}")
    await member.press(f"ev:ci:{act.id}")
    assert member.text == zh(app)("events.ask_location", number=act.id)
    await member.send("我到了")
    assert member.text == zh(app)("events.ask_location", number=act.id)
    await member.send_location(*FAR)
    assert "超出 1000 米" in member.text
    assert answers(app.engine, act.id)[cast.members[0].id].checked_in_at is None
    await member.press(f"ev:ci:{act.id}")
    await member.send_location(*NEAR)
    assert member.text == zh(app)("events.checked_in", number=act.id, title="专题视察")
    assert answers(app.engine, act.id)[cast.members[0].id].checked_in_at is not None


async def test_the_organiser_marks_attendance_by_hand(app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(minutes=30))
    member, other = await members_bound(app, cast, 2, 8331)
    await member.press(f"ev:yes:{act.id}")
    organiser = await bound(app, cast.leader, "8333")
    await organiser.send(f"/roster {act.id}")
    label = f"标记到场：{cast.members[0].name}"
    assert label in organiser.labels()
    await organiser.press(label)
    assert organiser.last[0].edit and f"{cast.members[0].name} ✓" in organiser.text
    row = answers(app.engine, act.id)[cast.members[0].id]
    assert (row.answer, row.marked_by) == (Answer.SIGNED_UP, cast.leader.id)
    await organiser.press(f"ev:mark:{act.id}:{cast.members[1].id}")  # not signed up
    assert organiser.text == zh(app)("events.mark_not_signed_up")
    await other.press(f"ev:mark:{act.id}:{cast.members[0].id}")  # not the organiser
    assert other.text == zh(app)("common.not_allowed")

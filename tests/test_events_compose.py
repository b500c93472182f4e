"""`/newevent`: a squad leader creates an activity for their own group; bad input is refused
with nothing changed; invitations go through the outbox to the group's members.
"""

from __future__ import annotations

import pytest

from storage.activity_models import Activity, ActivityAnswer
from tests.event_support import (
    SEND,
    EventCast,
    activity,
    answers,
    create_by_dialog,
    created_id,
    event_cast,
    keys,
)
from tests.given import a_delegate, audits, bound, conversation_of, count, zh


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


async def test_a_leader_previews_and_creates_an_activity_inviting_their_group(app, cast):
    dialog = await bound(app, cast.leader, "8001")
    await create_by_dialog(dialog, capacity="3人")
    invited = len(cast.members) + 1  # the members and the leader
    assert "11月25日 周三 09:30–11:30" in dialog.text  # Monday 23 Nov + 2 days, Shanghai time
    assert "名额：已报 0/3" in dialog.text and f"共 {invited} 人" in dialog.text
    await dialog.press(SEND)
    number = created_id(dialog)
    stored = activity(app.engine, number)
    assert (stored.kind, stored.capacity, stored.organiser_id) == ("inspection", 3,
                                                                   cast.leader.id)
    assert stored.start_at.isoformat() == "2026-11-25T01:30:00+00:00"
    assert set(answers(app.engine, number)) == {p.id for p in cast.members} | {cast.leader.id}
    # everyone but the organiser gets the invitation, once
    assert sorted(keys(app.engine, f"event:{number}:invite:")) == sorted(
        f"event:{number}:invite:{p.id}" for p in cast.members)
    assert conversation_of(app.engine, cast.leader.id) is None


async def test_english_times_read_like_wed_25_nov(app, cast):
    dialog = await bound(app, cast.leader, "8002")
    await dialog.send("/lang")
    await dialog.press("English")
    await create_by_dialog(dialog, kind="f:newevent:kind:inspection", title="River inspection",
                           place="Qingshi river")
    assert "Wed 25 Nov 09:30–11:30" in dialog.text, dialog.text


@pytest.mark.parametrize(("typed", "key"), [("0", "events.capacity_positive"),
                                            ("-3", "events.capacity_positive"),
                                            ("三个", "events.capacity_unreadable")])
async def test_a_capacity_of_zero_or_less_is_refused(app, cast, typed, key):
    dialog = await bound(app, cast.leader, "8003")
    await dialog.send("/newevent")
    await dialog.press("培训")
    for line in ("代表履职培训", "11月25日 14:00", "17:00", "县委党校"):
        await dialog.send(line)
    await dialog.send(typed)
    assert zh(app)(key, max=100_000) in dialog.text
    assert conversation_of(app.engine, cast.leader.id).state == "capacity"


async def test_a_start_in_the_past_and_an_end_before_the_start_are_refused(app, cast):
    dialog = await bound(app, cast.leader, "8004")
    await dialog.send("/newevent")
    await dialog.press("座谈会")
    await dialog.send("民生实事座谈会")
    await dialog.send("2026-11-23 09:00")  # an hour before the frozen clock
    assert zh(app)("events.start_past") in dialog.text
    await dialog.send("明天上午")
    assert zh(app)("events.time_unreadable") in dialog.text
    await dialog.send("11月24日 15:00")
    await dialog.send("14:00")
    assert zh(app)("events.end_before_start") in dialog.text
    assert conversation_of(app.engine, cast.leader.id).state == "end"
    await dialog.send("16:30")
    assert conversation_of(app.engine, cast.leader.id).state == "place"


async def test_a_leader_cannot_invite_a_group_they_do_not_lead(app, cast):
    dialog = await bound(app, cast.leader, "8005")
    await dialog.send("/newevent")
    await dialog.press("视察")
    for line in ("河道整治现场视察", "11月25日 09:30", "11:30", "青石镇河道"):
        await dialog.send(line)
    await dialog.press("不限")
    await dialog.press("不设截止")
    await dialog.press("不重复")
    assert cast.other_group.name not in dialog.labels()
    await dialog.press(f"f:newevent:groups:g:{cast.other_group.id}")  # a forged choice
    assert zh(app)("events.group_not_yours") in dialog.text
    assert conversation_of(app.engine, cast.leader.id).data["groups"] == []
    assert audits(app.engine, "denied")[-1].note.startswith("group ")
    await dialog.press("选好了")
    assert zh(app)("events.pick_none") in dialog.text
    assert count(app.engine, Activity) == 0


async def test_staff_invite_any_group_and_a_delegate_cannot_create(app, cast):
    staff = await bound(app, cast.staff, "8006")
    await create_by_dialog(staff, groups=(cast.group.name, cast.other_group.name))
    await staff.press(SEND)
    number = created_id(staff)
    assert count(app.engine, ActivityAnswer, ActivityAnswer.activity_id == number) > len(
        cast.members)
    delegate = await bound(app, a_delegate(app.engine), "8007")
    await delegate.send("/newevent")
    assert delegate.text == zh(app)("common.not_allowed")


async def test_text_where_a_button_is_expected_and_editing_from_the_preview(app, cast):
    dialog = await bound(app, cast.leader, "8008")
    await dialog.send("/newevent")
    await dialog.send("视察")  # typed, not pressed
    assert zh(app)("events.pick_button") in dialog.text
    await dialog.press("视察")
    await dialog.send("河道整治现场视察")
    for line in ("11月25日 09:30", "11:30", "青石镇河道"):
        await dialog.send(line)
    await dialog.press("不限")
    await dialog.press("不设截止")
    await dialog.press("不重复")
    await dialog.press(dialog.labels()[0])
    await dialog.press("选好了")
    await dialog.press("改时间")
    await dialog.send("11月26日 15:00")
    await dialog.send("17:00")
    assert "请核对活动" in dialog.text and "11月26日 周四 15:00–17:00" in dialog.text
    await dialog.press(SEND)
    await dialog.press(SEND)  # a second tap on the old preview creates nothing more
    assert count(app.engine, Activity) == 1

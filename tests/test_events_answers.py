"""Answers to an invitation: sign-up to capacity then the waitlist, promotion when someone
withdraws in time, late withdrawal, leave with a reason, refusals; each press edits the message.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.core.dispatcher import Refusal
from bot.core.types import Reply
from storage import activities
from storage.activity_models import Answer
from storage.db import unit_of_work
from tests.event_support import (
    EventCast,
    activity,
    answers,
    event_cast,
    keys,
    make_activity,
    members_bound,
)
from tests.given import audits, bound, zh


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


def _labels(reply: Reply) -> list[str]:
    return [b.label for row in reply.buttons for b in row]


async def test_capacity_fills_then_the_waitlist_and_a_withdrawal_promotes_the_first(
        app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, capacity=2)
    first, second, third, fourth = await members_bound(app, cast, 4, 8101)
    for dialog in (first, second):
        await dialog.press(f"ev:yes:{act.id}")
        assert dialog.last[0].edit and "您已报名" in dialog.text
        assert _labels(dialog.last[0]) == ["退出报名"]
        clock.advance(minutes=1)
    await third.press(f"ev:yes:{act.id}")
    assert "候补第 1 位" in third.text and _labels(third.last[0]) == ["退出候补"]
    clock.advance(minutes=1)
    await fourth.press(f"ev:yes:{act.id}")
    assert "候补第 2 位" in fourth.text
    assert activity(app.engine, act.id).signed_up == 2

    await first.press(f"ev:no:{act.id}")
    assert "您已退出报名" in first.text and "截止后" not in first.text
    rows = answers(app.engine, act.id)
    assert rows[cast.members[0].id].answer == Answer.WITHDRAWN
    assert not rows[cast.members[0].id].late
    assert rows[cast.members[2].id].answer == Answer.SIGNED_UP  # the first waiting, promoted
    assert rows[cast.members[3].id].answer == Answer.WAITLISTED
    assert activity(app.engine, act.id).signed_up == 2
    assert keys(app.engine, f"event:{act.id}:promoted:") == [
        f"event:{act.id}:promoted:1:{cast.members[2].id}"]


async def test_withdrawing_after_the_deadline_is_late_and_promotes_nobody(app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, capacity=1,
                        deadline=clock.utcnow() + timedelta(days=1))
    first, second = await members_bound(app, cast, 2, 8111)
    await first.press(f"ev:yes:{act.id}")
    await second.press(f"ev:yes:{act.id}")
    clock.advance(days=1, minutes=1)  # past the deadline
    await first.press(f"ev:no:{act.id}")
    assert zh(app)("events.answer.withdrawn_late") in first.text
    rows = answers(app.engine, act.id)
    assert rows[cast.members[0].id].late and rows[cast.members[0].id].answer == Answer.WITHDRAWN
    assert rows[cast.members[1].id].answer == Answer.WAITLISTED
    assert keys(app.engine, f"event:{act.id}:promoted:") == []
    organiser = await bound(app, cast.leader, "8113")
    await organiser.send(f"/roster {act.id}")
    assert f"{cast.members[0].name}（截止后退出）" in organiser.text


async def test_signing_up_after_the_deadline_is_refused_with_nothing_changed(app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start,
                        deadline=clock.utcnow() + timedelta(hours=1))
    [member] = await members_bound(app, cast, 1, 8121)
    clock.advance(hours=2)
    await member.press(f"ev:yes:{act.id}")
    assert member.text == zh(app)("events.closed", number=act.id)
    assert answers(app.engine, act.id)[cast.members[0].id].answer == Answer.NONE
    assert activity(app.engine, act.id).signed_up == 0


async def test_a_meeting_offers_attend_or_leave_and_a_leave_takes_a_typed_reason(
        app, cast, clock):
    start = clock.utcnow() + timedelta(days=1)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, kind="discussion")
    [member] = await members_bound(app, cast, 1, 8131)
    await member.press(f"ev:show:{act.id}")
    assert member.labels() == ["参加", "请假"]
    await member.press("参加")
    assert member.labels() == ["请假"]  # one who said 参加 may still ask for leave
    await member.press("请假")
    assert "请输入请假事由" in member.text
    await member.send("好")  # too short
    assert zh(app)("events.reason_length", min=2, max=200) in member.text
    await member.send("外出参加市人大培训")
    assert "外出参加市人大培训" in member.text
    row = answers(app.engine, act.id)[cast.members[0].id]
    assert (row.answer, row.reason) == (Answer.LEAVE, "外出参加市人大培训")
    assert activity(app.engine, act.id).signed_up == 0  # the seat taken by 参加 is given back
    organiser = await bound(app, cast.leader, "8132")
    await organiser.send(f"/roster {act.id}")
    assert f"请假（1）：{cast.members[0].name}（外出参加市人大培训）" in organiser.text


async def test_a_forwarded_invitation_pressed_by_someone_not_invited_is_refused(
        app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(days=2))
    outsider = await bound(app, cast.other_leader, "8141")
    await outsider.press(f"ev:yes:{act.id}")
    assert outsider.text == zh(app)("common.not_allowed")
    assert cast.other_leader.id not in answers(app.engine, act.id)
    assert audits(app.engine, "denied")[-1].subject_id == act.id
    await outsider.send(f"/roster {act.id}")
    assert outsider.text == zh(app)("common.not_allowed")


async def test_an_unannounced_visit_is_invisible_to_those_not_invited(app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(days=2), kind="unannounced")
    outsider = await bound(app, cast.other_leader, "8151")
    await outsider.send(f"/roster {act.id}")
    assert outsider.text == zh(app)("events.unknown", number=str(act.id))
    await outsider.press(f"ev:show:{act.id}")
    assert outsider.text == zh(app)("common.button_unknown")
    [member] = await members_bound(app, cast, 1, 8152)
    await member.send("/agenda")
    assert "明察暗访" in member.text


async def test_a_double_tap_takes_one_seat(app, cast, clock):
    act = make_activity(app.engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(days=2), capacity=5)
    [member] = await members_bound(app, cast, 1, 8161)
    await member.press(f"ev:yes:{act.id}")
    await member.press(f"ev:yes:{act.id}")
    assert activity(app.engine, act.id).signed_up == 1
    assert _labels(member.last[0]) == ["退出报名"]


def _take_last_seat(engine, activity_id, person_id, now, barrier, results) -> None:
    barrier.wait()
    try:
        with unit_of_work(engine) as session:
            row = activities.answer_of(session, activity_id, person_id)
            seated = activities.take_seat(session, activity_id)
            to = Answer.SIGNED_UP if seated else Answer.WAITLISTED
            if not activities.set_answer(session, row.id, Answer.NONE, now, to):
                raise Refusal("events.changed")
            results.append(to)
    except Exception as exc:  # a failure here is the defect under test
        results.append(exc)


async def test_two_connections_taking_the_last_seat_give_one_seat(app, cast, engine, clock):
    act = make_activity(engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(days=2), capacity=1)
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_take_last_seat, args=(
        engine, act.id, person.id, clock.utcnow(), barrier, results))
        for person in cast.members[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [Answer.SIGNED_UP, Answer.WAITLISTED]
    assert activity(engine, act.id).signed_up == 1
    signed = [r for r in answers(engine, act.id).values() if r.answer == Answer.SIGNED_UP]
    assert len(signed) == 1

"""Scenario 3 on every channel: a squad leader creates an activity with /newevent, the
invitation reaches a member, who presses 报名 (the invitation changes) and finds it in /agenda.
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.activities import pushes
from storage import activities
from storage.activity_models import Activity
from storage.db import unit_of_work
from tests.event_support import answers, event_cast

TITLE = "河道整治现场视察"
LONG_TITLE = "县城区老旧小区改造及背街小巷环境整治情况专题视察"
LONG_PLACE = "青石镇人民政府三楼会议室集合后前往城关镇各改造小区现场"


async def test_an_activity_is_created_signed_up_for_and_on_the_agenda(driver, engine):
    cast = event_cast(engine)
    member = cast.members[0]
    await driver.meet(cast.leader, member)

    await driver.as_person(cast.leader.phone)
    await driver.send("/newevent")
    await driver.press("视察")
    await driver.send(TITLE)
    await driver.send("11月25日 09:30")  # Wednesday; the clock stands on Monday the 23rd
    await driver.send("11:30")
    await driver.send("青石镇河道")
    await driver.press("不限")
    await driver.press("不设截止")
    await driver.press("不重复")
    await driver.press(cast.group.name)
    await driver.press("选好了")
    send = next(label for label in driver.labels() if label.startswith("发出邀请（"))
    receipt = await driver.press(send)
    assert "已创建" in receipt
    activity_id = int(re.search(r"#(\d+)", receipt)[1])

    invitation = await driver.pushes_for(member)
    assert "活动邀请" in invitation and TITLE in invitation
    await driver.as_person(member.phone)
    before = driver.screen(member)
    pushed = driver.holding("报名")
    assert "您已报名" in await driver.press("报名")
    after = driver.screen(member)
    assert len(after) == len(before)  # the invitation itself changed
    changed = after[before.index(pushed)]
    assert "退出报名" in changed.labels and changed.key_of("报名") is None
    assert answers(engine, activity_id)[member.id].answer == "signed_up"

    agenda = await driver.send("/agenda")
    assert "未来7天（1）" in agenda and TITLE in agenda


def long_invitation(driver, cast, now) -> int:
    """An activity whose invitation is too long for a WeCom card, its invitations queued."""
    start = now + timedelta(days=2)
    with unit_of_work(driver.app.engine) as session:
        act = activities.create(session, now, kind="inspection", title=LONG_TITLE,
                                start_at=start, end_at=start + timedelta(hours=3),
                                place=LONG_PLACE, capacity=20,
                                signup_deadline=start - timedelta(days=1),
                                organiser_id=cast.leader.id)
        activities.invite_groups(session, act, [cast.group.id])
        pushes.invite_all(session, driver.app.services, session.get(Activity, act.id))
        return act.id


async def test_after_signing_up_for_a_long_invitation_one_can_still_withdraw(driver, engine,
                                                                              clock):
    cast = event_cast(engine)
    member = cast.members[0]
    await driver.meet(member)
    activity_id = long_invitation(driver, cast, clock.utcnow())

    assert LONG_PLACE in await driver.pushes_for(member)
    await driver.as_person(member.phone)
    signed_up = await driver.press("报名")
    assert "您已报名" in signed_up and "已报 1/20" in signed_up  # the new state is shown
    assert answers(engine, activity_id)[member.id].answer == "signed_up"
    assert "退出报名" in driver.labels()  # and can be pressed (WeCom once greyed it out)
    await driver.press("退出报名")
    assert answers(engine, activity_id)[member.id].answer != "signed_up"

"""Scenario 2 on every channel: a squad leader sends a notice to their group; a member presses
收到 and the pushed message (or card) changes in place to 已收到 ✓.
"""

from __future__ import annotations

import re

from tests.notice_support import TEXT, notice_cast, recipients


async def test_a_notice_is_acknowledged_and_its_message_changes(driver, engine):
    cast = notice_cast(engine)
    member = cast.members[0]
    await driver.meet(cast.leader, member)

    await driver.as_person(cast.leader.phone)
    await driver.send("/notify")
    await driver.send(TEXT)
    await driver.press("完成")
    await driver.press("选好了")
    send = next(label for label in driver.labels() if label.startswith("发送（"))
    receipt = await driver.press(send)
    assert "已发出" in receipt
    notice_id = int(re.search(r"#(\d+)", receipt)[1])

    assert TEXT in await driver.pushes_for(member)
    await driver.as_person(member.phone)
    before = driver.screen(member)
    pushed = driver.holding("收到")
    assert "已收到 ✓" in await driver.press("收到")

    after = driver.screen(member)
    assert len(after) == len(before)  # changed in place, nothing sent anew
    changed = after[before.index(pushed)]
    assert "已收到 ✓" in changed.labels and changed.key_of("收到") is None
    acknowledged = [r.person_id for r in recipients(engine, notice_id) if r.acknowledged_at]
    assert acknowledged == [member.id]

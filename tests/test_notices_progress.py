"""/notices and /notice <id>: delivered, acknowledged and failed, per group, and who is missing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from storage import notices
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.notice_models import AudienceKind
from tests.given import audits, bound, zh
from tests.notice_support import (
    NoticeCast,
    Recorder,
    deliver,
    leader_sends,
    members_of,
    notice_cast,
)


@pytest.fixture
def cast(app, demo) -> NoticeCast:
    return notice_cast(app.engine)


async def _acknowledge(app, notice_id: int, people) -> None:
    with unit_of_work(app.engine) as session:
        for person in people:
            assert notices.acknowledge(session, notice_id, person.id, app.services.clock.utcnow())


async def test_progress_counts_delivery_from_the_outbox_and_names_who_is_missing(app, cast):
    dialog, notice_id = await leader_sends(app, cast, "7401")
    members = cast.members
    total = len(members)
    await dialog.send(f"/notice {notice_id}")
    assert f"送达 0/{total} · 收到 0/{total} · 未送达 0" in dialog.text

    blocked, pending = members[0], members[1]
    channel = Recorder(failing={str(blocked.id)})
    with unit_of_work(app.engine) as session:  # one push not due yet: it waits in the outbox
        session.execute(update(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"notice:{notice_id}:{pending.id}").values(
            not_before=app.services.clock.utcnow() + timedelta(days=1)))
    await deliver(app, channel)
    assert len(channel.sent) == total - 2
    await _acknowledge(app, notice_id, members[2:5])

    await dialog.send(f"/notice {notice_id}")
    text = dialog.text
    assert f"送达 {total - 2}/{total} · 收到 3/{total} · 未送达 1" in text
    assert f"· {cast.group.name}：收到 3/{total}，送达 {total - 2}/{total}" in text
    missing = text.split(f"未确认（{total - 3}人）：")[1].split("\n")[0]
    assert f"{blocked.name}（未送达）" in missing and pending.name in missing
    assert not any(p.name in missing.split("、") for p in members[2:5])
    assert [b.label for row in dialog.last[0].buttons for b in row] == [
        "🔔 提醒未确认的人", "刷新", "撤回通知"]


async def test_progress_per_group_for_staff_sending_to_two_groups(app, cast):
    staff = await bound(app, cast.staff, "7402")
    await staff.send("/notify")
    await staff.send("请各组长于周五前报送本组视察安排。")
    await staff.press("完成")
    await staff.press("按小组")
    await staff.send(cast.group.name[:4])  # a typed name narrows the list
    await staff.press(cast.group.name)
    await staff.press("显示全部小组")
    await staff.press(cast.other_group.name)
    await staff.press("选好了")
    both = {p.id for p in cast.members} | {p.id for p in members_of(
        app.engine, cast.other_group.id)} | {cast.leader.id}
    assert f"收件人数：{len(both)} 人" in staff.text
    await staff.press("f:notice:preview:send")
    notice_id = int(staff.text.split("#")[1].split()[0])
    await deliver(app, Recorder())
    await staff.send(f"/notice {notice_id}")
    assert f"送达 {len(both)}/{len(both)}" in staff.text
    assert f"· {cast.group.name}：" in staff.text and f"· {cast.other_group.name}：" in staff.text


async def test_notices_lists_mine_newest_first_and_staff_see_all(app, cast, clock):
    dialog, first = await leader_sends(app, cast, "7403", text="第一条通知：周一例会。")
    clock.advance(minutes=10)
    _, second = await leader_sends(app, cast, "7403", text="第二条通知：周三视察。")
    await dialog.send("/notices")
    lines = dialog.text.splitlines()
    assert lines[0] == "我发出的通知（最近 2 条）："
    assert lines[1].startswith(f"#{second} ") and f"收到 0/{len(cast.members)}" in lines[1]
    assert lines[3].startswith(f"#{first} ")
    other = await bound(app, cast.other_leader, "7404")
    await other.send("/notices")
    assert other.text == zh(app)("notices.list.empty")
    staff = await bound(app, cast.staff, "7405")
    await staff.send("/notices")
    assert staff.text.startswith("全部通知（最近 2 条）")


async def test_only_the_author_and_staff_follow_a_notice(app, cast):
    _, notice_id = await leader_sends(app, cast, "7406")
    other = await bound(app, cast.other_leader, "7407")
    for attempt in (f"/notice {notice_id}", f"n:view:{notice_id}", f"n:rp:{notice_id}:1",
                    f"n:wdy:{notice_id}"):
        if attempt.startswith("/"):
            await other.send(attempt)
        else:
            await other.press(attempt)
        assert other.text == zh(app)("common.not_allowed")
    assert len(audits(app.engine, "denied")) == 4
    staff = await bound(app, cast.staff, "7408")
    await staff.send(f"/notice #{notice_id}")
    assert f"通知 #{notice_id}" in staff.text
    await staff.send("/notice 99999")
    assert staff.text == zh(app)("notices.not_found", number="99999")


async def test_an_audience_of_levels_is_shown_by_township(app, cast):
    with unit_of_work(app.engine) as session:
        notice = notices.create(session, cast.staff.id, "全体全国和省人大代表请注意。",
                                {"kind": AudienceKind.LEVELS.value,
                                 "values": ["national", "provincial"]}, False,
                                app.services.clock.utcnow(), [])
        count = notices.add_recipients(session, notice)
    assert count == 10  # the demo county has 2 national and 8 provincial delegates
    staff = await bound(app, cast.staff, "7409")
    await staff.send(f"/notice {notice.id}")
    assert "各乡镇：" in staff.text and "发送对象：全国人大代表、省人大代表" in staff.text

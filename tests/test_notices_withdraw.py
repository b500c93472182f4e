"""Withdrawing a notice: nobody gets it afterwards; those who have it are told."""

from __future__ import annotations

import pytest

from storage.models import OutboxStatus
from tests.given import audits, bound, zh
from tests.notice_support import (
    NoticeCast,
    Recorder,
    deliver,
    leader_sends,
    notice,
    notice_cast,
    originals,
    rows,
)


@pytest.fixture
def cast(app, demo) -> NoticeCast:
    return notice_cast(app.engine)


async def test_withdrawing_cancels_what_is_pending_and_tells_who_had_it(app, cast, clock):
    dialog, notice_id = await leader_sends(app, cast, "7601")
    channel = Recorder()
    await deliver(app, channel, limit=10)  # ten delivered, the rest still in the outbox
    had_it = sorted(int(address) for address, _ in channel.sent)
    assert len(had_it) == 10

    await dialog.send(f"/notice {notice_id}")
    await dialog.press("撤回通知")
    assert dialog.labels() == ["确认撤回", "不撤回"]
    await dialog.press("确认撤回")
    left = len(cast.members) - 10
    assert dialog.text == zh(app)("notices.withdrawn", number=notice_id, cancelled=left, told=10)
    assert dialog.last[0].edit
    statuses = sorted(row.status for row in originals(app.engine, notice_id))
    assert statuses == sorted([OutboxStatus.SENT] * 10 + [OutboxStatus.CANCELLED] * left)
    assert notice(app.engine, notice_id).withdrawn_at == clock.utcnow()

    channel.sent.clear()
    await deliver(app, channel)  # only the withdrawal messages go out now
    assert sorted(int(address) for address, _ in channel.sent) == had_it
    assert all("已撤回" in reply.text for _, reply in channel.sent)
    assert [a.note for a in audits(app.engine, "notice.withdrawn")] == [
        f"cancelled {left}, told 10"]

    await dialog.press(f"n:wdy:{notice_id}")  # again: nothing more happens
    assert dialog.text == zh(app)("notices.already_withdrawn", number=notice_id)
    assert len(rows(app.engine, f"notice:{notice_id}:withdrawn:")) == 10
    await dialog.send(f"/notice {notice_id}")
    assert f"已取消发送：{left} 人" in dialog.text and "撤回通知" not in dialog.labels()


async def test_acknowledging_a_withdrawn_notice_says_so_and_counts_nothing(app, cast):
    dialog, notice_id = await leader_sends(app, cast, "7602")
    await deliver(app, Recorder())
    await dialog.press(f"n:wdy:{notice_id}")
    member = await bound(app, cast.members[0], "7603")
    await member.press(f"n:ack:{notice_id}")
    assert member.last[0].edit and "已撤回" in member.text and member.labels() == []
    await dialog.send(f"/notice {notice_id}")
    assert f"收到 0/{len(cast.members)}" in dialog.text


async def test_keeping_the_notice_changes_nothing(app, cast):
    dialog, notice_id = await leader_sends(app, cast, "7604")
    await dialog.send(f"/notice {notice_id}")
    await dialog.press("撤回通知")
    await dialog.press("不撤回")
    assert dialog.text == zh(app)("notices.withdraw_kept", number=notice_id)
    assert notice(app.engine, notice_id).withdrawn_at is None
    assert {row.status for row in originals(app.engine, notice_id)} == {OutboxStatus.PENDING}

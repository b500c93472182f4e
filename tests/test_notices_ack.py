"""收到: the recipient's button turns into 已收到 ✓ on the same message, counted once."""

from __future__ import annotations

import threading

import pytest

from bot.core.types import Reply
from storage import notices
from storage.db import unit_of_work
from tests.given import audits, bound, zh
from tests.notice_support import (
    NoticeCast,
    leader_sends,
    notice_cast,
    originals,
    recipients,
)


@pytest.fixture
def cast(app, demo) -> NoticeCast:
    return notice_cast(app.engine)


def _acknowledged(engine, notice_id: int) -> dict[int, object]:
    return {r.person_id: r.acknowledged_at for r in recipients(engine, notice_id)
            if r.acknowledged_at is not None}


async def test_acknowledging_edits_the_pressed_message(app, cast, clock):
    _, notice_id = await leader_sends(app, cast, "7201")
    member = cast.members[0]
    pushed = Reply.from_dict(next(row.payload for row in originals(app.engine, notice_id)
                                  if row.person_id == member.id))
    dialog = await bound(app, member, "7202")
    await dialog.press(f"n:ack:{notice_id}")
    [edited] = dialog.last
    assert edited.edit
    assert edited.text == pushed.text  # the same message, only its button changed
    assert [b.label for row in edited.buttons for b in row] == ["已收到 ✓"]
    assert _acknowledged(app.engine, notice_id) == {member.id: clock.utcnow()}


async def test_a_double_tap_counts_once(app, cast, clock):
    _, notice_id = await leader_sends(app, cast, "7203")
    member = cast.members[0]
    dialog = await bound(app, member, "7204")
    await dialog.press(f"n:ack:{notice_id}")
    first = clock.utcnow()
    clock.advance(minutes=5)
    await dialog.press(f"n:ack:{notice_id}")
    await dialog.press("已收到 ✓")  # the edited button, pressed again
    assert dialog.last[0].edit and "已收到 ✓" in dialog.labels()
    assert _acknowledged(app.engine, notice_id) == {member.id: first}


async def test_only_a_recipient_can_acknowledge(app, cast):
    _, notice_id = await leader_sends(app, cast, "7206")
    outsider = await bound(app, cast.other_leader, "7207")
    await outsider.press(f"n:ack:{notice_id}")
    assert outsider.text == zh(app)("common.not_allowed")
    assert _acknowledged(app.engine, notice_id) == {}
    assert [a.note for a in audits(app.engine, "denied")] == ["ack"]
    await outsider.press("n:ack:999999")
    assert outsider.text == zh(app)("common.button_unknown")
    assert audits(app.engine, "forged_payload")[-1].note == "n:ack:999999"


def _ack_in_thread(engine, notice_id: int, person_id: int, now, barrier, results) -> None:
    barrier.wait()
    try:
        with unit_of_work(engine) as session:
            results.append(notices.acknowledge(session, notice_id, person_id, now))
    except Exception as exc:  # a failure here is the defect under test
        results.append(exc)


async def test_two_connections_acknowledging_at_once_count_once(app, cast, engine, clock):
    _, notice_id = await leader_sends(app, cast, "7208")
    member = cast.members[0]
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_ack_in_thread, args=(
        engine, notice_id, member.id, clock.utcnow(), barrier, results)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results, key=str) == [False, True]
    assert len(_acknowledged(engine, notice_id)) == 1

"""A large audience: recipients and pushes go in bulk statements, rendered once per language."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, update

from bot.core.types import Reply
from handlers.notices import render
from storage.db import unit_of_work
from storage.models import Person
from tests.given import bound, count
from tests.notice_support import SEND, notice_cast, originals, recipients, sent_id, to_audience


@contextmanager
def statements(engine):
    """Every SQL statement the engine runs meanwhile (an executemany counts once)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def counted_renders(monkeypatch) -> list[str]:
    calls: list[str] = []
    original = render.notice_push

    def counting(t, *args, **kwargs):
        calls.append(t.locale)
        return original(t, *args, **kwargs)

    monkeypatch.setattr(render, "notice_push", counting)
    return calls


async def test_every_delegate_is_queued_in_a_bounded_number_of_statements(
        app, demo, engine, counted_renders):
    cast = notice_cast(engine)
    with unit_of_work(engine) as session:  # a quarter of the county reads English
        session.execute(update(Person).where(Person.id % 4 == 0).values(locale="en"))
    delegates = count(engine, Person, Person.active, Person.level.is_not(None))
    assert delegates >= 400
    staff = await bound(app, cast.staff, "7801")
    await to_audience(staff)
    await staff.press("全体代表")
    with statements(engine) as seen:
        await staff.press(SEND)
    notice_id = sent_id(staff)

    pushes = originals(engine, notice_id)
    assert len(pushes) == len(recipients(engine, notice_id)) == delegates
    assert len({row.person_id for row in pushes}) == delegates
    outbox_inserts = [s for s in seen if s.startswith("insert into outboxmessage")]
    recipient_inserts = [s for s in seen if s.startswith("insert into noticerecipient")]
    assert len(outbox_inserts) == 1 and len(recipient_inserts) == 1
    assert len(seen) < 40, seen  # not one statement per person
    assert sorted(counted_renders) == ["en", "zh_CN"]  # once per language, not per person

    english = next(row for row in pushes if row.person_id % 4 == 0)
    chinese = next(row for row in pushes if row.person_id % 4)
    assert Reply.from_dict(english.payload).text.startswith(f"📢 Notice #{notice_id}")
    assert Reply.from_dict(chinese.payload).text.startswith(f"📢 通知 #{notice_id}")

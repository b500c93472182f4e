"""A handler's transaction is all-or-nothing on both databases, savepoints included."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.types import Event
from storage import cases
from storage.case_models import Case
from storage.db import unit_of_work
from storage.models import Area, Group, ProcessedUpdate
from tests.factories import demo_reporter
from tests.given import bound, count


class Boom(Exception):
    """The failure a handler meets after its savepoint."""


async def _insert_then_fail(ctx: Context) -> list:
    area = ctx.session.exec(select(Area)).first()
    group = ctx.session.exec(select(Group)).first()
    case = Case(year=2026, seq=0, number="", area_id=area.id, description="半途而废的问题",
                reporter_id=ctx.person.id, group_id=group.id, created_at=ctx.now,
                updated_at=ctx.now)
    cases.insert_numbered(ctx.session, case)  # a SAVEPOINT before any other write
    raise Boom("after the savepoint")


async def test_a_handler_failing_after_a_savepoint_leaves_nothing_behind(app, demo):
    app.router.command("boom", _insert_then_fail)
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
    dialog = await bound(app, reporter, "7001")
    before = count(app.engine, Case)

    event = Event.from_text("test", "7001", "/boom", update_key="u-42")
    replies = await app.dispatcher.handle(event)

    assert "您的操作没有生效" in replies[0].text
    assert count(app.engine, Case) == before
    assert count(app.engine, ProcessedUpdate, ProcessedUpdate.update_key == "u-42") == 0
    await dialog.send("/whoami")  # the database is still usable by the next event
    assert reporter.name in dialog.text


async def test_a_redelivered_update_is_handled_again_after_a_failure(app, demo):
    calls = []

    async def fail_once(ctx: Context) -> list:
        calls.append(1)
        if len(calls) == 1:
            raise Boom("first delivery")
        return []

    app.router.command("flaky", fail_once)
    with unit_of_work(app.engine) as session:
        reporter, _ = demo_reporter(session)
    await bound(app, reporter, "7002")
    event = Event.from_text("test", "7002", "/flaky", update_key="u-43")
    await app.dispatcher.handle(event)
    await app.dispatcher.handle(event)
    await app.dispatcher.handle(event)
    assert len(calls) == 2  # handled again after the failure, then recognised as a repeat

"""Replies that edit the message whose button was pressed, on Telegram and on the console."""

from __future__ import annotations

import io

from sqlmodel import select

from bot.channels.console import ConsoleChannel
from bot.core.types import Button, Reply, button_rows
from storage.db import unit_of_work
from storage.models import Invite
from tests.given import the_staff
from tests.telegram_support import ALICE


async def _toggle(ctx) -> list[Reply]:
    return [Reply("已收到 ✓", edit=True)]


async def _offer(ctx) -> list[Reply]:
    return [Reply("请确认收到", button_rows([Button("收到", "ack:1")]))]


def _routes(app) -> None:
    app.router.command("offer", _offer, public=True)
    app.router.button("ack", _toggle)


async def _bound_alice(api, channel, engine) -> None:
    _routes(channel.app)
    with unit_of_work(engine) as session:
        code = session.exec(select(Invite.code).where(
            Invite.person_id == the_staff(engine).id)).first()
    api.user_message(ALICE, f"/start {code}")
    await api.wait_for(lambda: api.sent_texts(ALICE))


async def test_telegram_edits_the_pressed_message(api, channel, engine):
    await _bound_alice(api, channel, engine)
    api.callback(ALICE, "ack:1")
    edits = await api.wait_for(lambda: api.calls_to("editMessageText"))
    assert edits[0].params["text"] == "已收到 ✓"
    assert int(edits[0].params["message_id"]) > 0
    assert "已收到 ✓" not in api.sent_texts(ALICE)  # edited in place, not sent anew


async def test_an_edit_telegram_refuses_goes_as_a_new_message(api, channel, engine):
    await _bound_alice(api, channel, engine)
    api.fail_next("editMessageText", 400, "Bad Request: message can't be edited")
    api.callback(ALICE, "ack:1")
    await api.wait_for(lambda: "已收到 ✓" in api.sent_texts(ALICE))


async def test_the_console_shows_an_edit_as_the_new_state(app, demo):
    _routes(app)
    out = io.StringIO()
    console = ConsoleChannel(app, stdin=io.StringIO("/offer\n1\n"), stdout=out)
    await console.run()
    assert "✎ 刚才那条消息已更新为：\n已收到 ✓" in out.getvalue()

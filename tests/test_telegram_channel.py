"""The real Telegram channel (PTB Application over HTTP) against a fake Bot API on loopback."""

from __future__ import annotations

import contextlib
import copy
import socket
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import select
from telegram import Update

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_convert import to_event
from bot.core.types import Button, EventKind, Reply
from bot.delivery import DeliveryWorker
from bot.runtime import start_web
from bot.startup import StartupError
from storage import identities, outbox
from storage.db import unit_of_work
from storage.models import Invite, OutboxMessage, ProcessedUpdate, Role
from tests.fake_bot_api import group_chat, post_update
from tests.telegram_support import (
    ALICE,
    BOB,
    CAROL,
    ask,
    free_port,
    invites,
    started,
    telegram_app,
)

WEBHOOK_SECRET = "s3cret-Token_1"
# PTB itself reads RetryAfter.retry_after as an int while building the exception
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


async def bound_user(api, engine, user_id: int = ALICE) -> str:
    """Bind `user_id` with a demo invite; returns the person's name."""
    code, name, _ = invites(engine, 1)[0]
    assert name in await ask(api, user_id, f"/start {code}")
    return name


async def test_onboarding_over_polling(api, channel, engine):
    (code, name, _), = invites(engine, 1)
    assert "邀请码" in await ask(api, ALICE, "你好")
    greeting = await ask(api, ALICE, f"/start {code}")
    assert "您好" in greeting and name in greeting
    markup = api.calls_to("sendMessage")[-1].params["reply_markup"]
    assert markup["inline_keyboard"], "the greeting carries the menu buttons"
    assert "已经被使用" in await ask(api, BOB, f"/start {code}")
    assert "无效" in await ask(api, CAROL, "/start ZZZZ2222")
    assert name in await ask(api, ALICE, "/whoami@liandong_test_bot")
    help_text = await ask(api, ALICE, "/help")
    assert "/whoami" in help_text and "/lang" in help_text and "/adduser" not in help_text


async def test_button_press_is_answered_and_switches_language(api, channel, engine):
    await bound_user(api, engine)
    await ask(api, ALICE, "/lang")
    buttons = api.calls_to("sendMessage")[-1].params["reply_markup"]["inline_keyboard"]
    assert {"text": "English", "callback_data": "lang:en"} in buttons[0]
    before = len(api.sent_texts(ALICE))
    api.callback(ALICE, "lang:en")
    texts = await api.wait_for(lambda: api.sent_texts(ALICE)[before:])
    assert texts[0] == "Language set to English."
    answers = await api.wait_for(lambda: api.calls_to("answerCallbackQuery"))
    assert answers[0].params["callback_query_id"].startswith(f"cbq-{ALICE}")
    assert "Name:" in await ask(api, ALICE, "/whoami")


async def test_sticker_gets_a_polite_answer(api, channel, engine):
    await bound_user(api, engine)
    sticker = {"file_id": "stk", "file_unique_id": "ustk", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False}
    before = len(api.sent_texts(ALICE))
    api.push_update(api.message_update(ALICE, sticker=sticker))
    texts = await api.wait_for(lambda: api.sent_texts(ALICE)[before:])
    assert "没有理解" in texts[0]


async def test_redelivered_update_is_handled_once(api, channel, engine):
    name = await bound_user(api, engine)
    whoami = api.message_update(ALICE, text="/whoami")
    api.push_update(whoami, copy.deepcopy(whoami))  # the same update_id twice in one batch
    api.user_message(ALICE, "/help")  # handled after both copies
    await api.wait_for(lambda: any("/whoami" in text for text in api.sent_texts(ALICE)))
    assert sum(name in text and "手机" in text for text in api.sent_texts(ALICE)) == 1


async def test_group_chats_get_one_polite_refusal(api, channel, engine):
    code, _, _ = invites(engine, 1)[0]
    group = group_chat()
    api.user_message(ALICE, f"/start {code}", chat=group)
    api.user_message(BOB, "/help", chat=group)
    assert "邀请码" in await ask(api, CAROL, "/help")  # processed after the group messages
    assert api.sent_texts(group["id"]) == [channel.app.services.catalogs.translator(
        "zh_CN")("telegram.private_only")]
    assert "private chats only" in channel.app.services.catalogs.translator("en")(
        "telegram.private_only")
    with unit_of_work(engine) as session:
        assert session.get(Invite, code).redeemed_at is None


async def test_commands_menu_published_in_both_languages(api, channel):
    calls = {call.params.get("language_code"): call.params["commands"]
             for call in api.calls_to("setMyCommands")}
    assert set(calls) == {None, "zh", "en"}
    visible = channel.app.router.visible_commands(frozenset({Role.DELEGATE}), True)
    for code, locale in ((None, "zh_CN"), ("zh", "zh_CN"), ("en", "en")):
        translate = channel.app.services.catalogs.translator(locale)
        assert calls[code] == [{"command": name, "description": translate(key)}
                               for name, key in visible]
    assert {"command": "whoami", "description": "Show my identity, groups and role"} \
        in calls["en"]
    assert "adduser" not in {command["command"] for command in calls["zh"]}


@pytest.fixture
async def webhook(api, settings, engine, clock, demo):
    """The channel in webhook mode on a free loopback port."""
    port = free_port()
    app = telegram_app(settings, engine, clock, api,
                       telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
                       telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
                       telegram_webhook_listen="127.0.0.1", telegram_webhook_port=port)
    running = TelegramChannel(app)
    async with contextlib.AsyncExitStack() as serving:  # the bot's HTTP app serves the webhook
        await start_web(app, [running], serving)
        await running.start()
        try:
            yield running
        finally:
            await running.stop()


async def test_webhook_checks_the_secret(api, webhook, engine):
    url = webhook.app.settings.telegram_webhook_url
    assert api.webhook["url"] == url and api.webhook["secret_token"] == WEBHOOK_SECRET
    assert not api.calls_to("getUpdates")
    forged = api.message_update(BOB, text="/help")
    assert await post_update(url, forged, "wrong-secret") == 403
    assert await post_update(url, forged, None) == 403
    assert await api.deliver_webhook(api.message_update(ALICE, text="/help")) == 200
    texts = await api.wait_for(lambda: api.sent_texts(ALICE))
    assert "邀请码" in texts[0]
    assert api.sent_texts(BOB) == []
    with unit_of_work(engine) as session:
        seen = session.exec(select(ProcessedUpdate.update_key)).all()
    assert str(forged["update_id"]) not in seen


async def test_webhook_redelivery_is_handled_once(api, webhook, engine):
    code, name, _ = invites(engine, 1)[0]
    start = api.message_update(ALICE, text=f"/start {code}")
    assert await api.deliver_webhook(start) == 200
    assert await api.deliver_webhook(copy.deepcopy(start)) == 200  # Telegram retries
    assert await api.deliver_webhook(api.message_update(ALICE, text="/help")) == 200
    await api.wait_for(lambda: len(api.sent_texts(ALICE)) >= 2)
    texts = api.sent_texts(ALICE)
    assert name in texts[0] and "/whoami" in texts[1]  # the copy in between said nothing
    assert not any("已经" in text for text in texts)  # no "already bound/used" for the copy


def _bind_and_enqueue(engine, clock, key: str, text: str) -> int:
    _, _, person_id = invites(engine, 1)[0]
    with unit_of_work(engine) as session:
        identities.bind(session, "telegram", str(ALICE), person_id, clock.utcnow())
        reply = Reply(text, buttons=((Button("查看", "cmd:whoami"),),))
        outbox.enqueue(session, key, person_id, reply.to_dict(), clock.utcnow())
        return session.exec(select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == key)).one()


def _row(engine, row_id: int) -> OutboxMessage:
    with unit_of_work(engine) as session:
        row = session.get(OutboxMessage, row_id)
        session.expunge(row)
        return row


async def test_outbox_delivery_and_failures(api, channel, engine, clock):
    worker = DeliveryWorker(engine, [channel], clock)
    first = _bind_and_enqueue(engine, clock, "test:push:1", "提醒：明天上午九点开会")
    assert await worker.run_once() == 1
    assert api.sent_texts(ALICE) == ["提醒：明天上午九点开会"]
    assert api.calls_to("sendMessage")[-1].params["reply_markup"]["inline_keyboard"] == [
        [{"text": "查看", "callback_data": "cmd:whoami"}]]
    assert _row(engine, first).status == "sent"

    limited = _bind_and_enqueue(engine, clock, "test:push:2", "第二条")
    api.rate_limit_next_send(retry_after=7)
    assert await worker.run_once() == 0
    row = _row(engine, limited)
    assert (row.status, row.attempts) == ("pending", 0)  # a rate limit is not a fault
    assert row.not_before == clock.utcnow() + timedelta(seconds=7)

    clock.advance(seconds=8)  # the channel's pause is over
    api.fail_next("sendMessage", 400, "Bad Request: message text is empty")
    assert await worker.run_once() == 0
    row = _row(engine, limited)
    assert row.status == "failed" and "text is empty" in row.last_error  # the message's fault
    assert api.sent_texts(ALICE) == ["提醒：明天上午九点开会"]


async def test_photo_is_downloaded_through_get_file(api, channel):
    data = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    update = api.photo_update(ALICE, data, media_group_id="album-1", caption="路面破损")
    event = to_event(Update.de_json(update, channel.bot), channel.bot)
    assert (event.kind, event.text, event.update_key) == (
        EventKind.PHOTO, "路面破损", str(update["update_id"]))
    ref = event.media[0]
    assert (ref.size, ref.group_id) == (len(data), "album-1")
    assert not ref.file_id.endswith("thumb"), "the largest size is chosen"
    assert await ref.fetch() == data
    assert api.calls_to("getFile")[-1].params["file_id"] == ref.file_id
    assert api.calls_to("file")[-1].params["file_path"] == f"photos/{ref.file_id}"


@pytest.mark.parametrize(("content", "kind"), [
    ({"document": {"file_id": "d1", "file_unique_id": "ud1", "mime_type": "application/pdf",
                   "file_size": 2048}}, EventKind.DOCUMENT),
    ({"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3,
                "mime_type": "audio/ogg"}}, EventKind.VOICE),
    ({"location": {"latitude": 28.1, "longitude": 112.9}}, EventKind.LOCATION),
    ({"contact": {"phone_number": "13700000001", "first_name": "王"}}, EventKind.UNSUPPORTED),
])
async def test_message_kinds(api, channel, content, kind):
    update = api.message_update(ALICE, language_code="en-GB", **content)
    event = to_event(Update.de_json(update, channel.bot), channel.bot)
    assert (event.kind, event.user_id, event.language_hint) == (kind, str(ALICE), "en")
    if kind is EventKind.DOCUMENT:
        assert (event.media[0].mime_type, event.media[0].size) == ("application/pdf", 2048)
    if kind is EventKind.LOCATION:
        assert (event.location.latitude, event.location.longitude) == (28.1, 112.9)


async def test_failures_do_not_stop_the_bot(api, channel, monkeypatch, caplog):
    api.block_next_send()
    api.user_message(BOB, "hello")  # the reply is refused by Telegram (403)
    await api.wait_for(lambda: api.calls_to("sendMessage"))
    raised, original = [], channel.app.dispatcher.handle

    async def broken(event):
        raised.append(event.user_id)
        monkeypatch.setattr(channel.app.dispatcher, "handle", original)
        raise RuntimeError("boom")

    monkeypatch.setattr(channel.app.dispatcher, "handle", broken)
    api.user_message(ALICE, "hello")  # the handler blows up
    assert "邀请码" in await ask(api, CAROL, "hello")
    assert raised == [str(ALICE)] and "boom" in caplog.text
    assert api.sent_texts(ALICE) == [] and api.sent_texts(BOB) == []


async def test_a_proxy_carries_every_request(api, settings, engine, clock, demo):
    app = telegram_app(settings, engine, clock, api, telegram_api_url="http://bot-api.invalid",
                       telegram_proxy=SecretStr(api.url))  # the fake serves as an HTTP proxy
    running = await started(app)
    try:
        assert "邀请码" in await ask(api, ALICE, "你好")
    finally:
        await running.stop()
    assert api.calls_to("getUpdates") and api.calls_to("sendMessage")
    assert {call.host for call in api.calls} == {"bot-api.invalid"}


async def test_a_webhook_port_in_use_is_one_line(api, settings, engine, clock, demo):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = telegram_app(settings, engine, clock, api,
                           telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/hook",
                           telegram_webhook_secret=SecretStr(WEBHOOK_SECRET),
                           telegram_webhook_listen="127.0.0.1", telegram_webhook_port=port)
        with pytest.raises(StartupError) as caught:
            await start_web(app, [TelegramChannel(app)], contextlib.AsyncExitStack())
    assert str(caught.value) == ("invalid configuration: LIANDONG_TELEGRAM_WEBHOOK_PORT: cannot"
                                 f" listen on 127.0.0.1:{port} (Address already in use)")


async def test_a_reply_waits_out_a_short_flood_limit_once(api, channel):
    api.rate_limit_next_send(retry_after=1)
    assert "邀请码" in await ask(api, ALICE, "你好")
    assert [call.status for call in api.calls_to("sendMessage")] == [429, 200]

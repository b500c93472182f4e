"""Fitting replies to WeCom (2,048-byte texts, cards of 6 buttons, files), its limits, settings."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from bot.channels.wecom import WeComChannel
from bot.channels.wecom_cards import edit_in_place, render, split_text
from bot.channels.wecom_limits import wecom_limits
from bot.config import Settings, describe_validation_error
from bot.core.types import Attachment, Button, Reply
from bot.delivery_limits import ChannelGate
from bot.startup import StartupError
from tests.fake_wecom_api import FakeWeComApi
from tests.wecom_support import wecom_settings


def test_long_texts_are_cut_at_2048_bytes_on_character_boundaries():
    text = "问" * 1000  # 3,000 bytes
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [682, 318]  # 682 × 3 = 2,046 bytes; 683 would be 2,049
    assert "".join(chunks) == text
    emoji = "🚧" * 600  # 4 bytes each: 512 fit
    assert [len(c) for c in split_text(emoji)] == [512, 88]


def test_a_cut_prefers_a_line_break():
    text = "甲" * 600 + "\n" + "乙" * 600
    assert split_text(text) == ["甲" * 600, "乙" * 600]


def test_more_than_six_buttons_make_several_cards():
    buttons = tuple((Button(f"第{n}项", f"p:{n}"),) for n in range(8))
    messages = render(Reply("请选择领域", buttons=buttons))
    assert [m.msgtype for m in messages] == ["template_card", "template_card"]
    assert [len(m.body["button_list"]) for m in messages] == [6, 2]
    assert [m.body["main_title"]["title"] for m in messages] == ["请选择领域 (1/2)",
                                                                 "请选择领域 (2/2)"]
    assert messages[1].body["button_list"][0] == {"text": "第6项", "style": 1, "key": "p:6"}
    assert messages[0].body["task_id"] != messages[1].body["task_id"]


def test_a_short_text_rides_in_its_card_and_a_long_one_goes_before_it():
    button = ((Button("提交", "f:x:send"),),)
    [only] = render(Reply("请核对\n领域：民生实事", buttons=button))
    assert (only.body["main_title"]["title"], only.body["sub_title_text"]) == \
        ("请核对", "领域：民生实事")
    long = "请核对您反映的问题：\n" + "描述" * 100
    messages = render(Reply(long, buttons=button))
    assert [m.msgtype for m in messages] == ["text", "template_card"]
    assert messages[0].body["content"] == long
    assert messages[1].body["main_title"]["title"] == "请核对您反映的问题："
    assert "sub_title_text" not in messages[1].body


def test_how_a_pressed_card_is_edited():
    assert edit_in_place(Reply("已受理", edit=True)) == ("label", "已受理")
    kind, card = edit_in_place(Reply("通知\n请参加", buttons=((Button("已收到 ✓", "n:a:1"),),)))
    assert kind == "card" and card["button_list"][0]["text"] == "已收到 ✓"
    long_one_button = Reply("通知：" + "很长" * 100, buttons=((Button("已收到 ✓", "n:a:1"),),))
    assert edit_in_place(long_one_button) == ("label", "已收到 ✓")
    many = Reply("x\n" + "很长" * 100, buttons=tuple((Button(str(n), str(n)),) for n in range(3)))
    assert edit_in_place(many) is None


def test_the_limits_are_wecoms_per_member_and_the_daily_quota():
    limits = wecom_limits(50_000)
    # WeCom's 30 a minute and 1,000 an hour, with a margin for the time a message travels
    assert [(r.count, r.seconds) for r in limits.per_chat] == [(30, 66), (1000, 3660)]
    assert (limits.overall.count, limits.overall.seconds) == (50_000, 86_400)


def test_the_gate_holds_the_31st_message_to_a_member_for_the_rest_of_the_minute():
    now = [1000.0]
    gate = ChannelGate(wecom_limits(100_000), clock=lambda: now[0])
    for second in range(30):
        now[0] = 1000.0 + second
        assert gate.wait("liulei") == 0
        gate.overall.record(now[0])
        for window in gate.chats["liulei"]:
            window.record(now[0])
    now[0] = 1030.0
    assert gate.wait("liulei") == pytest.approx(36.0)  # the first went at 1000: free at 1066
    assert gate.wait("zhangsan") == 0  # another member is not held


async def test_the_fake_server_notices_a_31st_message_in_a_minute():
    async with FakeWeComApi() as fake:
        from bot.channels.wecom_api import WeComApi, WeComApp
        from tests.fake_wecom_api import AGENT_ID, CORP_ID, SECRET
        api = WeComApi(WeComApp(CORP_ID, AGENT_ID, SECRET, fake.url))
        try:
            for n in range(31):
                await api.send("liulei", "text", {"content": str(n)})
        finally:
            await api.close()
        assert len(fake.sent) == 30 and [s.body["content"] for s in fake.over_limit] == ["30"]


async def test_a_push_with_a_photo_and_an_export_uploads_them(wecom, tmp_path):
    photo, export = tmp_path / "site.jpg", tmp_path / "问题清单.xlsx"
    from tests.images import jpeg_bytes
    photo.write_bytes(jpeg_bytes())
    export.write_bytes(b"PK\x03\x04 sheet")
    reply = Reply("问题 2026-0017", attachments=(
        Attachment(str(photo), "site.jpg", is_photo=True, caption="现场照片"),
        Attachment(str(export), "问题清单.xlsx", temporary=True)))
    for part in wecom.channel.parts("liulei", reply):
        await part()
    sent = wecom.api.to("liulei")
    assert [s.msgtype for s in sent] == ["text", "text", "image", "file"]
    assert sent[1].body == {"content": "现场照片"}
    assert wecom.api.media[sent[2].body["media_id"]][1] == jpeg_bytes()
    assert wecom.api.media[sent[3].body["media_id"]] == ("问题清单.xlsx", b"PK\x03\x04 sheet")
    assert photo.exists() and not export.exists()  # a sent export is not kept


async def test_a_member_outside_the_visible_range_is_unreachable(wecom):
    from bot.core.channel import UnreachableError
    wecom.api.fail_next("/message/send", 81013)
    [part] = wecom.channel.parts("gone", Reply("你好"))
    with pytest.raises(UnreachableError):
        await part()


def _settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_a_missing_wecom_setting_is_named_in_one_line():
    with pytest.raises(ValidationError) as raised:
        _settings(wecom_corp_id="ww1", wecom_agent_id=1000002, wecom_token="t",
                  wecom_aes_key="6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt")
    line = describe_validation_error(raised.value)
    assert "LIANDONG_WECOM_SECRET" in line and "\n" not in line


@pytest.mark.parametrize(("values", "name"), [
    ({"wecom_aes_key": "too-short"}, "LIANDONG_WECOM_AES_KEY"),
    ({"wecom_agent_id": "app"}, "LIANDONG_WECOM_AGENT_ID"),
    ({"wecom_api_url": "qyapi.weixin.qq.com"}, "LIANDONG_WECOM_API_URL"),
    ({"wecom_callback_path": "wecom"}, "LIANDONG_WECOM_CALLBACK_PATH"),
])
def test_a_wrong_wecom_setting_is_named(values, name):
    with pytest.raises(ValidationError) as raised:
        _settings(**values)
    assert describe_validation_error(raised.value).startswith(f"invalid configuration: {name}")


async def test_a_wrong_secret_stops_the_start_naming_it(settings, engine, clock):
    from bot.app import build_app
    async with FakeWeComApi() as fake:
        app = build_app(wecom_settings(settings, fake, wecom_secret=SecretStr("wrong")), engine,
                        clock)
        channel = WeComChannel(app)
        with pytest.raises(StartupError) as raised:
            await channel.start()
        await channel.stop()
    assert str(raised.value).startswith("invalid configuration: LIANDONG_WECOM_SECRET:")


async def test_the_settings_choose_the_channels_and_one_http_app_serves_them_all(
        settings, engine, clock, api):
    import contextlib
    import socket

    import httpx

    from bot.app import build_app
    from bot.channels.telegram import TelegramChannel
    from bot.runtime import messenger_channels, start_web
    async with FakeWeComApi() as fake:
        both = wecom_settings(settings, fake, telegram_token=SecretStr(api.token),
                              telegram_api_url=api.url,
                              telegram_webhook_url="https://bot.example.org/telegram/hook",
                              telegram_webhook_secret=SecretStr("s3cret"))
        app = build_app(both, engine, clock)
        channels = messenger_channels(app)
        assert [type(c) for c in channels] == [TelegramChannel, WeComChannel]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        app.settings.http_port = port
        async with contextlib.AsyncExitStack() as running:
            await start_web(app, channels, running)
            async with httpx.AsyncClient() as http:
                health = await http.get(f"http://127.0.0.1:{port}/healthz")
                callback = await http.get(f"http://127.0.0.1:{port}/wecom/callback")
                hook = f"http://127.0.0.1:{port}/telegram/hook"
                forged = await http.post(hook, json={"update_id": 1})
                garbage = await http.post(hook, content=b"{not json",
                                          headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            with pytest.raises(StartupError, match="LIANDONG_HTTP_PORT"):
                await start_web(app, channels[1:], contextlib.AsyncExitStack())
        assert (health.status_code, callback.status_code) == (200, 400)
        assert (forged.status_code, garbage.status_code) == (403, 400)  # the webhook is there
        await channels[1].stop()


async def test_after_a_restart_the_last_hours_sends_still_count(wecom, engine):
    from datetime import timedelta

    from storage.db import unit_of_work
    from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus
    from tests.given import a_delegate
    person = a_delegate(engine)
    now = wecom.app.services.clock.utcnow()
    with unit_of_work(engine) as session:
        session.add(ChannelIdentity(channel="wecom", external_id="liulei", person_id=person.id,
                                    bound_at=now))
        for n in range(30):  # thirty one-message pushes, sent 30 s ago (and one two hours ago)
            session.add(OutboxMessage(
                dedupe_key=f"t:{n}", person_id=person.id, payload=Reply(f"第{n}条").to_dict(),
                status=OutboxStatus.SENT, not_before=now, created_at=now, channel="wecom",
                sent_at=now - timedelta(seconds=30)))
        session.add(OutboxMessage(
            dedupe_key="t:old", person_id=person.id, payload=Reply("旧").to_dict(),
            status=OutboxStatus.SENT, not_before=now, created_at=now, channel="wecom",
            sent_at=now - timedelta(hours=2)))
    restarted = WeComChannel(wecom.app)
    await restarted.start()
    try:
        assert restarted.gate.wait("liulei") == pytest.approx(36.0, abs=0.5)  # 66 s after them
        assert restarted.gate.wait("zhangsan") == 0
    finally:
        await restarted.stop()

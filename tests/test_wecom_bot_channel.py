"""The AI-bot channel's own duties: files uploaded in chunks over the socket, pushes waiting
while another process holds the connection, a replaced connection given up for good, and a
picture decrypted with its own key at once.
"""

from __future__ import annotations

import asyncio
import base64
import os

import pytest
from sqlmodel import select

from bot.channels.wecom_bot import CHUNK_BYTES, WeComBotChannel
from bot.channels.wecom_bot_holder import wall_clock
from bot.channels.wecom_bot_inbound import MediaError, decrypt
from bot.core.types import Attachment, Reply
from bot.delivery import DeliveryWorker
from storage import outbox, wecom_bot_lease
from storage.db import unit_of_work
from storage.models import OutboxMessage, OutboxStatus
from tests.fake_wecom_bot_server import BOT_ID, encrypt
from tests.given import a_delegate
from tests.images import jpeg_bytes
from tests.wecom_bot_support import until
from tests.wecom_support import roster_account


async def written(aibot, engine, userid: str = "liulei"):
    """A delegate bound on the AI bot by writing once; the person."""
    person = a_delegate(engine)
    roster_account(engine, person.id, userid)
    await aibot.member(userid).say("/whoami")
    return person


def queue(aibot, person_id: int, reply: Reply, key: str = "push-1") -> int:
    with unit_of_work(aibot.app.engine) as session:
        outbox.enqueue(session, key, person_id, reply.to_dict(),
                       aibot.app.services.clock.utcnow())
        return session.exec(select(OutboxMessage.id).where(
            OutboxMessage.dedupe_key == key)).one()


def row(aibot, message_id: int) -> OutboxMessage:
    with unit_of_work(aibot.app.engine) as session:
        found = session.get(OutboxMessage, message_id)
        session.expunge(found)
        return found


async def test_a_pushed_file_is_uploaded_in_chunks_then_sent(aibot, engine, tmp_path):
    person = await written(aibot, engine)
    data = os.urandom(CHUNK_BYTES + 1000)  # two chunks
    path = tmp_path / "台账.xlsx"
    path.write_bytes(data)
    message_id = queue(aibot, person.id, Reply("导出完成", attachments=(
        Attachment(str(path), "台账.xlsx"),)))
    assert await DeliveryWorker(engine, [aibot.channel], aibot.app.services.clock).run_once()
    assert row(aibot, message_id).status == OutboxStatus.SENT
    text, sent_file = [s for s in aibot.member("liulei").sent() if s.cmd == "aibot_send_msg"]
    assert text.body["markdown"]["content"] == "导出完成"
    assert sent_file.body["msgtype"] == "file"
    assert aibot.server.uploaded(sent_file.body["file"]["media_id"]) == data


async def test_pushes_wait_in_a_process_without_the_connection(aibot, engine):
    person = await written(aibot, engine)
    message_id = queue(aibot, person.id, Reply("通知：明天开会"))
    other = WeComBotChannel(aibot.app)  # a second replica: the lease is taken, it never connects
    await other.start()
    await asyncio.sleep(1.2)
    assert aibot.server.subscribes == 1
    clock = aibot.app.services.clock
    assert await DeliveryWorker(engine, [other], clock).run_once() == 0
    waiting = row(aibot, message_id)
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0)
    await other.stop()
    clock.advance(seconds=10)  # past the few seconds it waits
    assert await DeliveryWorker(engine, [aibot.channel], clock).run_once() == 1
    assert "通知：明天开会" in aibot.server.texts("liulei")


async def test_a_replaced_connection_is_given_up_and_its_lease_released(aibot, engine, caplog):
    await aibot.server.kick()
    await until(lambda: aibot.channel.holder.outcome == "replaced")
    await asyncio.sleep(0.5)
    assert aibot.server.subscribes == 1 and not aibot.channel.client.connected.is_set()
    with unit_of_work(engine) as session:
        assert wecom_bot_lease.holder_of(session, BOT_ID, wall_clock()) is None
    assert any("ALERT" in r.getMessage() for r in caplog.records)


def test_a_file_decrypts_with_its_own_key_and_not_with_another():
    photo = jpeg_bytes((200, 30, 30))
    key, other = os.urandom(32), os.urandom(32)
    sealed = encrypt(photo, key)
    assert len(sealed) % 32 == 0 and sealed != photo
    assert decrypt(sealed, base64.b64encode(key).decode().rstrip("=")) == photo
    with pytest.raises(MediaError):
        decrypt(sealed, base64.b64encode(other).decode())
    with pytest.raises(MediaError):
        decrypt(sealed, "not base64!")


def test_settings_name_a_bad_ai_bot_setting():
    from pydantic import ValidationError

    from bot.config import Settings, describe_validation_error
    with pytest.raises(ValidationError) as no_secret:
        Settings(_env_file=None, wecom_bot_id="aib1")
    assert "LIANDONG_WECOM_BOT_SECRET is required" in describe_validation_error(no_secret.value)
    with pytest.raises(ValidationError) as bad_url:
        Settings(_env_file=None, wecom_bot_id="aib1", wecom_bot_secret="s",
                 wecom_bot_url="https://openws.work.weixin.qq.com")
    assert "LIANDONG_WECOM_BOT_URL" in describe_validation_error(bad_url.value)
    blank = Settings(_env_file=None, wecom_bot_id="  ", wecom_bot_secret="")
    assert blank.wecom_bot_id is None and blank.wecom_bot_secret is None


async def test_a_refused_secret_is_logged_and_frees_the_lease(settings, engine, clock, caplog):
    from pydantic import SecretStr

    from bot.app import build_app
    from tests.fake_wecom_bot_server import FakeWeComBot
    from tests.wecom_bot_support import bot_settings
    async with FakeWeComBot() as server:
        wrong = bot_settings(settings, server, wecom_bot_secret=SecretStr("wrong"))
        channel = WeComBotChannel(build_app(wrong, engine, clock))
        await channel.start()
        await asyncio.wait_for(channel._task, 10)
        await channel.stop()
        assert server.subscribes == 0
    assert any("LIANDONG_WECOM_BOT_SECRET" in r.getMessage() for r in caplog.records)
    with unit_of_work(engine) as session:
        assert wecom_bot_lease.holder_of(session, BOT_ID, wall_clock()) is None


async def test_callback_bodies_become_our_events():
    from bot.channels.wecom_bot_inbound import event_event, message_event
    from bot.core.types import EventKind
    key = os.urandom(32)
    files = {"u1": encrypt(b"%PDF-1.4 minutes", key)}

    async def download(url: str) -> bytes:
        if url not in files:
            raise OSError("expired")
        return files[url]

    aeskey = base64.b64encode(key).decode()
    head = {"msgid": "m1", "chattype": "single", "from": {"userid": "liulei"}}
    pdf = await message_event({**head, "msgtype": "file",
                               "file": {"url": "u1", "aeskey": aeskey}}, download)
    assert pdf.kind == EventKind.DOCUMENT and await pdf.media[0].fetch() == b"%PDF-1.4 minutes"
    gone = await message_event({**head, "msgtype": "image",
                                "image": {"url": "u2", "aeskey": aeskey}}, download)
    with pytest.raises(MediaError):  # the intake records the failure; the member is told
        await gone.media[0].fetch()
    words = await message_event({**head, "msgtype": "mixed", "mixed": {"msg_item": [
        {"msgtype": "text", "text": {"content": "/whoami"}}]}}, download)
    assert (words.kind, words.command, words.update_key) == (EventKind.COMMAND, "whoami",
                                                             "msg:m1")
    assert await message_event({**head, "chattype": "group", "msgtype": "text",
                                "text": {"content": "hi"}}, download) is None
    click, task_id = event_event({**head, "msgtype": "event", "event": {
        "eventtype": "template_card_event",
        "template_card_event": {"event_key": "n:ack:7", "task_id": "ld-1"}}})
    assert (click.kind, click.payload, task_id) == (EventKind.BUTTON, "n:ack:7", "ld-1")
    assert event_event({**head, "event": {"eventtype": "feedback_event"}}) == (None, None)

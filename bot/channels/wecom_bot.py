"""The WeCom AI-bot (智能机器人) channel over its long connection: no public server needed.

Callbacks arrive on the socket; replies go back with the callback's req_id (markdown or
template cards, a pressed card updated within 5 s of the click), pushes go with aibot_send_msg
to members who have written to the bot once. Only the process holding the lease connects.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import math
import time
from functools import partial
from pathlib import Path

import httpx

from bot.app import App
from bot.channels.wecom_bot_client import BotClient, BotError, ConnectionLost, SubscribeRefused
from bot.channels.wecom_bot_holder import ConnectionHolder
from bot.channels.wecom_bot_inbound import CHANNEL, event_event, message_event
from bot.channels.wecom_cards import Outgoing, edit_in_place, render, text_message
from bot.channels.wecom_identity import bind_from_roster
from bot.channels.wecom_limits import PER_MEMBER
from bot.core.channel import (
    ChannelLimits,
    Part,
    PermanentDeliveryError,
    Rate,
    TransientDeliveryError,
)
from bot.core.types import Attachment, Reply
from bot.delivery_limits import ChannelGate
from storage import identities, outbox
from storage.db import unit_of_work
from storage.outbox_signal import mark_queued

log = logging.getLogger("liandong.wecom_bot")
UPDATE_WITHIN = 4.5  # seconds: WeCom takes a card update until 5 s after the click
CHUNK_BYTES = 512 * 1024  # an upload chunk, before base64
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
RATE_LIMITED = {45009, 45033}
LIMITS = ChannelLimits(Rate(100_000, 24 * 3600), PER_MEMBER, concurrency=8)


class WeComBotChannel:
    """Receives callbacks from the long connection and sends replies and pushes over it."""

    name = CHANNEL
    limits = LIMITS

    def __init__(self, app: App, client: BotClient | None = None) -> None:
        settings = app.settings
        if settings.wecom_bot_id is None or settings.wecom_bot_secret is None:
            raise ValueError("LIANDONG_WECOM_BOT_ID is not set")
        self.app = app
        self.client = client or BotClient(settings.wecom_bot_url, settings.wecom_bot_id,
                                          settings.wecom_bot_secret.get_secret_value(),
                                          self.receive)
        self.holder = ConnectionHolder(app.engine, settings.wecom_bot_id,
                                       settings.wecom_bot_lease_seconds, self.client.run)
        self.gate = ChannelGate(self.limits)  # shared with the delivery worker's pushes
        self.http = httpx.AsyncClient(timeout=30)
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Hold the connection in the background (or wait for the lease another process has)."""
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            await self.holder.run(self._stop)
        except SubscribeRefused as exc:
            log.error("WeCom refused the AI bot's id or secret (%s): check "
                      "LIANDONG_WECOM_BOT_ID and LIANDONG_WECOM_BOT_SECRET", exc)

    async def stop(self) -> None:
        """Close the connection, release the lease, finish the callbacks in hand."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.client.idle(), 30)
        await self.http.aclose()

    async def idle(self) -> None:
        """Wait until every received callback is handled (tests)."""
        await self.client.idle()

    # --- inbound ---------------------------------------------------------------------------

    async def receive(self, frame: dict) -> None:
        """One callback: our event through the dispatcher, its replies to the member."""
        received = time.monotonic()
        req_id = (frame.get("headers") or {}).get("req_id", "")
        body = frame.get("body") or {}
        click = None
        if frame.get("cmd") == "aibot_msg_callback":
            event = await message_event(body, self._download)
        else:
            event, click = event_event(body)
        if event is None:
            return
        self._first_contact(event.user_id)
        replies = await self.app.dispatcher.handle(event)
        welcome = event.command == "start" and body.get("msgtype") == "event"
        for reply in replies:
            await self._reply(event.user_id, req_id, reply, click, received, welcome)
            welcome = False

    def _first_contact(self, userid: str) -> None:
        """Bind by the roster's 企业微信账号; pushes held for them go now."""
        now = self.app.services.clock.utcnow()
        if not bind_from_roster(self.app.engine, CHANNEL, userid, now):
            return
        with unit_of_work(self.app.engine) as session:
            person = identities.resolve(session, CHANNEL, userid)
            if person is not None and outbox.wake_person(session, person.id, now):
                mark_queued(session)

    async def _download(self, url: str) -> bytes:
        """A callback's file, at most the largest file we keep (plus the cipher's padding)."""
        limit = max(self.app.settings.max_photo_bytes, self.app.settings.max_file_bytes) + 32
        async with self.http.stream("GET", url) as response:
            response.raise_for_status()
            data = bytearray()
            async for chunk in response.aiter_bytes():
                data += chunk
                if len(data) > limit:
                    raise ValueError("file too large")
        return bytes(data)

    # --- replies ---------------------------------------------------------------------------

    async def _reply(self, userid: str, req_id: str, reply: Reply, click: str | None,
                     received: float, welcome: bool) -> None:
        """Update the pressed card if in time, else send the reply as new messages.

        A message that fails is logged and the rest still go.
        """
        if reply.edit and click and await self._update(userid, req_id, reply, click, received):
            return
        messages = render(reply)
        if welcome and messages:
            await self._send_logged(userid, "aibot_respond_welcome_msg", req_id,
                                    _welcome(messages.pop(0)))
        for message in messages:
            await self._send_logged(userid, "aibot_respond_msg", req_id, _body(message))
        for attachment in reply.attachments:
            try:
                await self.gate.acquire(userid, reply=True)
                await self._send_attachment(userid, attachment)
            except (BotError, ConnectionLost, OSError) as exc:
                log.warning("file to %s not sent: %s", userid, exc)

    async def _send_logged(self, userid: str, cmd: str, req_id: str, body: dict) -> None:
        await self.gate.acquire(userid, reply=True)
        try:
            await self.client.request(cmd, body, req_id)
        except (BotError, ConnectionLost) as exc:
            log.warning("reply to %s not sent: %s", userid, exc)

    async def _update(self, userid: str, req_id: str, reply: Reply, task_id: str,
                      received: float) -> bool:
        """Replace the pressed card within WeCom's 5 s; True when that was the whole reply."""
        how = edit_in_place(reply)
        if how is None or time.monotonic() - received > UPDATE_WITHIN:
            return False
        kind, value = how
        new_card = value if kind == "card" else \
            {"card_type": "text_notice", "main_title": {"title": value}}
        new_card = {**new_card, "task_id": task_id}
        await self.gate.acquire(userid, reply=True)
        try:
            await self.client.request("aibot_respond_update_msg", {
                "response_type": "update_template_card", "template_card": new_card}, req_id)
        except (BotError, ConnectionLost) as exc:
            log.info("card of %s not updated (%s); sent anew", userid, exc)
            return False
        return True

    # --- pushes ----------------------------------------------------------------------------

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        """The member's userid once they have written to the bot (WeCom allows no push before).

        Others' pushes wait in the outbox, counted as not yet reachable.
        """
        return identities.get(CHANNEL)

    def parts(self, address: str, reply: Reply) -> list[Part]:
        """An outbox push as its messages (texts and cards, then files), errors mapped."""
        sends = [partial(self._push, address, _body(message)) for message in render(reply)]
        for attachment in reply.attachments:
            if attachment.caption:
                sends.append(partial(self._push, address, _body(text_message(
                    attachment.caption))))
            sends.append(partial(self._send_attachment, address, attachment))
        return [_guarded(self, send) for send in sends]

    async def _push(self, userid: str, body: dict) -> None:
        await self.client.request("aibot_send_msg", {"chatid": userid, **body})

    async def _send_attachment(self, userid: str, attachment: Attachment) -> None:
        path = Path(attachment.path)
        image = attachment.is_photo and path.suffix.lower() in IMAGE_EXTENSIONS
        kind = "image" if image else "file"
        media_id = await self.upload(path.read_bytes(), attachment.filename, kind)
        await self.client.request("aibot_send_msg", {"chatid": userid, "msgtype": kind,
                                                     kind: {"media_id": media_id}})
        if attachment.temporary:  # an export: sent, so no longer kept on our disk
            path.unlink(missing_ok=True)

    async def upload(self, data: bytes, filename: str, kind: str) -> str:
        """Upload a file over the socket in chunks; its media_id."""
        chunks = max(1, math.ceil(len(data) / CHUNK_BYTES))
        init = await self.client.request("aibot_upload_media_init", {
            "type": kind, "filename": filename, "total_size": len(data),
            "total_chunks": chunks, "md5": hashlib.md5(data).hexdigest()})
        upload_id = (init.get("body") or {}).get("upload_id")
        for index in range(chunks):
            piece = data[index * CHUNK_BYTES:(index + 1) * CHUNK_BYTES]
            await self.client.request("aibot_upload_media_chunk", {
                "upload_id": upload_id, "chunk_index": index,
                "base64_data": base64.b64encode(piece).decode()})
        done = await self.client.request("aibot_upload_media_finish", {"upload_id": upload_id})
        return (done.get("body") or {})["media_id"]


def _body(message: Outgoing) -> dict:
    """A rendered message as an AI-bot message body: texts as markdown, cards as they are."""
    if message.msgtype == "text":
        return {"msgtype": "markdown", "markdown": {"content": message.body["content"]}}
    return {"msgtype": message.msgtype, message.msgtype: message.body}


def _welcome(message: Outgoing) -> dict:
    """The welcome message (text or a template card, as WeCom takes for a welcome)."""
    if message.msgtype == "text":
        return {"msgtype": "text", "text": {"content": message.body["content"]}}
    return _body(message)


def _guarded(channel: WeComBotChannel, send) -> Part:
    """The message, with connection and WeCom errors turned into delivery errors.

    Without the connection (another process holds it, or it is reconnecting) the push waits
    a few seconds; the worker pauses the channel meanwhile without counting an attempt.
    """
    async def part() -> None:
        if not channel.client.connected.is_set():
            raise TransientDeliveryError("the WeCom AI-bot connection is held elsewhere or "
                                         "reconnecting", retry_after=5)
        try:
            await send()
        except ConnectionLost as exc:
            raise TransientDeliveryError(str(exc), retry_after=5) from exc
        except BotError as exc:
            if exc.code in RATE_LIMITED:
                raise TransientDeliveryError(str(exc), retry_after=60) from exc
            raise PermanentDeliveryError(str(exc)) from exc
        except OSError as exc:  # an attachment file that is gone
            raise PermanentDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    return part


"""The WeCom self-built app channel: callbacks in, API messages and template cards out."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
from starlette.routing import BaseRoute

from bot.app import App
from bot.channels.wecom_api import WeComApi, WeComApp
from bot.channels.wecom_callback import WeComCallback
from bot.channels.wecom_cards import PRESSED, Outgoing, edit_in_place, render, text_message
from bot.channels.wecom_crypto import WeComCrypto
from bot.channels.wecom_errors import WeComApiError, delivery_error, explain
from bot.channels.wecom_identity import bind_from_roster
from bot.channels.wecom_inbound import CHANNEL, to_event
from bot.channels.wecom_limits import wecom_limits
from bot.core.channel import Part, PermanentDeliveryError, TransientDeliveryError
from bot.core.types import Attachment, Reply
from bot.delivery_limits import ChannelGate
from bot.startup import StartupError
from storage.db import unit_of_work
from storage.sent_recently import sent_since

log = logging.getLogger("liandong.wecom")
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")  # what WeCom shows as an image; others go as files


class WeComChannel:
    """Handles decrypted callbacks and sends replies and outbox pushes through the API."""

    name = CHANNEL

    def __init__(self, app: App, api: WeComApi | None = None) -> None:
        settings = app.settings
        if settings.wecom_corp_id is None:
            raise ValueError("LIANDONG_WECOM_CORP_ID is not set")
        self.app = app
        self.corp_id, self.agent_id = settings.wecom_corp_id, settings.wecom_agent_id
        self.crypto = WeComCrypto(settings.wecom_token.get_secret_value(),
                                  settings.wecom_aes_key.get_secret_value(), self.corp_id)
        self.api = api or WeComApi(WeComApp(self.corp_id, self.agent_id,
                                            settings.wecom_secret.get_secret_value(),
                                            settings.wecom_api_url))
        self.limits = wecom_limits(settings.wecom_daily_quota)
        self.gate = ChannelGate(self.limits)  # shared with the delivery worker's pushes
        self._working: set[asyncio.Task] = set()
        clock = app.services.clock
        self.callback = WeComCallback(self.crypto, self.agent_id,
                                      lambda: clock.now().timestamp(), self.accept)

    def routes(self) -> list[BaseRoute]:
        """The callback endpoint for the bot's HTTP app."""
        return self.callback.routes(self.app.settings.wecom_callback_path)

    async def start(self) -> None:
        """Check the corp id and secret once, so a wrong one stops the start with one line;
        remember what went to each member in the last hour (the limits hold across restarts).
        """
        self.remember_recent_sends()
        try:
            await self.api.token()
        except WeComApiError as exc:
            setting = "LIANDONG_WECOM_CORP_ID" if exc.code == 40013 else \
                "LIANDONG_WECOM_SECRET" if exc.code in (40001, 40091) else \
                "LIANDONG_WECOM_API_URL"
            raise StartupError(setting, explain(exc)) from None
        except httpx.HTTPError as exc:
            raise StartupError("LIANDONG_WECOM_API_URL", f"cannot reach the WeCom API at "
                               f"{self.app.settings.wecom_api_url} ({type(exc).__name__})") \
                from None

    def remember_recent_sends(self) -> int:
        """Count the pushes of the last hour in the limits, as if this process had sent them;
        how many messages were counted.
        """
        now, clock = self.app.services.clock.utcnow(), self.gate.clock
        window = timedelta(seconds=max(rate.seconds for rate in self.limits.per_chat))
        with unit_of_work(self.app.engine, read_only=True) as session:
            recent = sent_since(session, CHANNEL, now - window)
        counted = 0
        for account, payload, sent_at in recent:
            at = clock() - (now - _aware(sent_at)).total_seconds()
            for _message in self._messages(account, Reply.from_dict(payload)):
                self.gate.record(account, at)
                counted += 1
        return counted

    async def stop(self) -> None:
        """Finish the callbacks in hand, then close the API client."""
        if self._working:
            await asyncio.wait(set(self._working), timeout=30)
        await self.api.close()

    def accept(self, fields: dict[str, str]) -> None:
        """Handle a verified callback after answering WeCom (which waits at most 5 s)."""
        task = asyncio.create_task(self.process(fields))
        self._working.add(task)
        task.add_done_callback(self._working.discard)

    async def idle(self) -> None:
        """Wait until every accepted callback is handled (tests, shutdown)."""
        while self._working:
            await asyncio.wait(set(self._working))

    async def process(self, fields: dict[str, str]) -> None:
        """Our event for the callback, through the dispatcher; its replies to the member."""
        try:
            event = to_event(fields, self.api.download)
            if event is None:
                return
            bind_from_roster(self.app.engine, CHANNEL, event.user_id,
                             self.app.services.clock.utcnow())
            replies = await self.app.dispatcher.handle(event)
            for reply in replies:
                await self._reply(event.user_id, reply, event.source_message)
        except Exception:
            log.exception("WeCom callback from %s failed", fields.get("FromUserName"))

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        """The member's WeCom userid, if bound."""
        return identities.get(CHANNEL)

    def parts(self, address: str, reply: Reply) -> list[Part]:
        """An outbox push as its messages (texts and cards, then files), errors mapped."""
        return [_guarded(part) for part in self._messages(address, reply)]

    def _messages(self, userid: str, reply: Reply) -> list[Part]:
        sends = [partial(self._send, userid, message) for message in render(reply)]
        for attachment in reply.attachments:
            if attachment.caption:
                sends.append(partial(self._send, userid, text_message(attachment.caption)))
            sends.append(partial(self._send_attachment, userid, attachment))
        return sends

    async def _send(self, userid: str, message: Outgoing) -> None:
        await self.api.send(userid, message.msgtype, message.body)

    async def _send_attachment(self, userid: str, attachment: Attachment) -> None:
        path = Path(attachment.path)
        image = attachment.is_photo and path.suffix.lower() in IMAGE_EXTENSIONS
        kind = "image" if image else "file"
        media_id = await self.api.upload(path, attachment.filename, kind)
        await self.api.send(userid, kind, {"media_id": media_id})
        if attachment.temporary:  # an export: sent, so no longer kept on our disk
            path.unlink(missing_ok=True)

    async def _reply(self, userid: str, reply: Reply, response_code: str | None) -> None:
        """A direct reply: an edit updates the pressed card, else new messages.

        Within the member's limits; a message that fails is logged and the rest still go.
        """
        if reply.edit and response_code and await self._edit(userid, reply, response_code):
            return
        for send in self._messages(userid, reply):
            await self.gate.acquire(userid, reply=True)
            try:
                await send()
            except (WeComApiError, httpx.HTTPError, OSError) as exc:
                log.warning("reply to %s not sent: %s", userid, _describe(exc))

    async def _edit(self, userid: str, reply: Reply, response_code: str) -> bool:
        """Update the pressed card in place; True when the reply needs nothing more."""
        how = edit_in_place(reply)
        try:
            if how is None:
                await self.api.update_card_button(userid, response_code, PRESSED)
                return False
            kind, value = how
            if kind == "label":
                await self.api.update_card_button(userid, response_code, value)
            else:
                await self.api.update_card(userid, response_code, value)
        except (WeComApiError, httpx.HTTPError) as exc:
            log.info("card of %s not updated (%s); sent anew", userid, _describe(exc))
            return False
        return how is not None


def _aware(moment: datetime) -> datetime:
    """A database time as UTC (SQLite gives it back without a zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _describe(exc: Exception) -> str:
    return explain(exc) if isinstance(exc, WeComApiError) else f"{type(exc).__name__}: {exc}"


def _guarded(message: Part) -> Part:
    """The message, with API, network and file errors turned into delivery errors."""
    async def send() -> None:
        try:
            await message()
        except WeComApiError as exc:
            raise delivery_error(exc) from exc
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:  # an attachment file that is gone
            raise PermanentDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    return send

"""The Telegram channel: a python-telegram-bot Application in front of our dispatcher and outbox."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path

from starlette.routing import BaseRoute
from telegram import Bot, BotCommand, CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import App
from bot.channels.telegram_concurrency import PerPersonUpdateProcessor
from bot.channels.telegram_convert import (
    CHANNEL,
    delivery_error,
    language_hint,
    reply_markup,
    retry_after_seconds,
    split_text,
    to_event,
)
from bot.channels.telegram_media import outgoing_photo
from bot.channels.telegram_startup import startup_error
from bot.channels.telegram_webhook import webhook_routes
from bot.config import Settings
from bot.core.channel import ChannelLimits, Part, PermanentDeliveryError, Rate
from bot.core.types import Attachment, Reply
from bot.delivery_limits import ChannelGate
from storage.models import Role

log = logging.getLogger("liandong.telegram")
ALLOWED_UPDATES = ("message", "callback_query")
REPLY_FLOOD_WAIT = 10  # seconds a reply may wait for Telegram's flood control
COMMAND_LANGUAGES = (("zh", "zh_CN"), ("en", "en"))  # Telegram language code → our locale


class TelegramChannel:
    """Receives updates by long polling or webhook; sends replies and outbox pushes."""

    name = CHANNEL

    def __init__(self, app: App) -> None:
        settings = app.settings
        if settings.telegram_token is None:
            raise ValueError("LIANDONG_TELEGRAM_TOKEN is not set")
        self.app = app
        self.application = application_builder(settings).build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._warned_chats: set[int] = set()
        self.limits = telegram_limits(settings)
        self.gate = ChannelGate(self.limits)  # shared with the delivery worker's pushes

    @property
    def bot(self) -> Bot:
        """The python-telegram-bot Bot (for sending and downloading files)."""
        return self.application.bot

    async def start(self) -> None:
        """Initialize, publish the command menu, start polling or the webhook, then handling."""
        try:
            await self.application.initialize()
            await self._set_commands()
            await self._start_updater()
            await self.application.start()
        except BaseException as exc:
            await self.stop()
            problem = startup_error(exc, self.app.settings)
            if problem is None:
                raise
            log.debug("start-up failed: %s", problem, exc_info=exc)
            raise problem from None

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand, close the HTTP clients."""
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self.bot.shutdown()  # closes the HTTP clients when initialize() failed half-way

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        """The person's Telegram user id (which is also their private chat id), if bound."""
        return identities.get(CHANNEL)

    def parts(self, address: str, reply: Reply) -> list[Part]:
        """An outbox push as its messages (texts, then files).

        Bot API errors become the delivery errors the worker understands.
        """
        paid = {"allow_paid_broadcast": True} if self.app.settings.telegram_paid_broadcast \
            else {}
        return [_guarded(part) for part in self._messages(_chat_id(address), reply, **paid)]

    def _messages(self, chat_id: int, reply: Reply, **extra) -> list[Part]:
        chunks, markup = split_text(reply.text), reply_markup(reply)
        if markup is not None and not chunks:
            chunks = ["…"]  # buttons need a message to hang on
        last = len(chunks) - 1
        texts = [partial(self.bot.send_message, chat_id, chunk,
                         reply_markup=markup if index == last else None, **extra)
                 for index, chunk in enumerate(chunks)]
        files = [partial(self._send_attachment, chat_id, attachment)
                 for attachment in reply.attachments]
        return texts + files

    async def _start_updater(self) -> None:
        settings, updater = self.app.settings, self.application.updater
        if not settings.telegram_webhook_url:
            await updater.start_polling(drop_pending_updates=False,
                                        allowed_updates=list(ALLOWED_UPDATES))
            return
        await self.bot.set_webhook(  # served by the bot's HTTP app (see routes())
            settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )

    def routes(self) -> list[BaseRoute]:
        """The webhook's route for the bot's HTTP app (none when polling)."""
        settings = self.app.settings
        if not settings.telegram_webhook_url:
            return []
        return webhook_routes(self.application, settings.telegram_webhook_url,
                              settings.telegram_webhook_secret.get_secret_value())

    async def _set_commands(self) -> None:
        visible = self.app.router.visible_commands(frozenset({Role.DELEGATE}), True)
        languages = ((None, self.app.settings.locale), *COMMAND_LANGUAGES)
        for language_code, locale in languages:
            translate = self.app.services.catalogs.translator(locale)
            commands = [BotCommand(name, translate(key)) for name, key in visible]
            try:
                await self.bot.set_my_commands(commands, language_code=language_code)
            except TelegramError as exc:  # a missing menu must not keep the bot down
                log.warning("setMyCommands(%s) failed: %s", language_code or "default", exc)

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle(update)
        except Exception:
            log.exception("telegram update %s failed", update.update_id)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram error (update %r)", update, exc_info=context.error)

    async def _handle(self, update: Update) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and chat.type != ChatType.PRIVATE:
            await self._refuse_group(update, chat.id)
            return
        event = to_event(update, self.bot)
        if event is None or user is None:
            return
        replies = await self.app.dispatcher.handle(event)
        if update.callback_query is not None:
            await _answer(update.callback_query)
        target = chat.id if chat is not None else user.id
        for reply in replies:
            try:
                if not (reply.edit and await self._edit(target, event.source_message, reply)):
                    await self._send_reply(target, reply)
            except TelegramError as exc:
                log.warning("reply to chat %s not sent: %s", target, exc)

    async def _edit(self, chat_id: int, message_id: str | None, reply: Reply) -> bool:
        """Replace the pressed message's text and buttons; False when it cannot be edited (no
        message, too long, too old: the reply then goes as a new message).
        """
        chunks = split_text(reply.text)
        if message_id is None or len(chunks) != 1 or reply.attachments:
            return False
        await self.gate.acquire(str(chat_id), reply=True)
        try:
            await self.bot.edit_message_text(chunks[0], chat_id=chat_id,
                                             message_id=int(message_id),
                                             reply_markup=reply_markup(reply))
        except TelegramError as exc:
            log.info("message %s in chat %s not edited (%s); sent anew", message_id, chat_id, exc)
            return False
        return True

    async def _refuse_group(self, update: Update, chat_id: int) -> None:
        if update.callback_query is not None:
            await _answer(update.callback_query)
        if chat_id in self._warned_chats:
            return
        self._warned_chats.add(chat_id)
        translate = self.app.services.catalogs.translator(language_hint(update.effective_user))
        await self.bot.send_message(chat_id, translate("telegram.private_only"))

    async def _send_reply(self, chat_id: int, reply: Reply) -> None:
        """A direct reply: not queued behind pushes, but within the chat's own limit.

        A file that fails is logged and the others still go out.
        """
        messages = self._messages(chat_id, reply)
        texts = len(messages) - len(reply.attachments)
        for index, message in enumerate(messages):
            await self.gate.acquire(str(chat_id), reply=True)
            if index < texts:
                await _after_flood_wait(message)
                continue
            try:
                await _after_flood_wait(message)
            except (TelegramError, OSError) as exc:
                log.warning("attachment %s to chat %s not sent: %s: %s",
                            reply.attachments[index - texts].filename, chat_id,
                            type(exc).__name__, exc)

    async def _send_attachment(self, chat_id: int, attachment: Attachment) -> None:
        path = Path(attachment.path)
        if not attachment.is_photo:
            await self._upload(chat_id, path, attachment, False)
        else:
            async with outgoing_photo(path) as outgoing:
                await self._upload(chat_id, outgoing.path, attachment, outgoing.as_photo)
        if attachment.temporary:  # an export: sent, so no longer kept on our disk
            path.unlink(missing_ok=True)

    async def _upload(self, chat_id: int, path: Path, attachment: Attachment,
                      as_photo: bool) -> None:
        caption, name = attachment.caption or None, attachment.filename
        with path.open("rb") as handle:
            if as_photo:
                await self.bot.send_photo(chat_id, photo=handle, filename=name, caption=caption)
            else:
                await self.bot.send_document(chat_id, document=handle, filename=name,
                                             caption=caption)


def application_builder(settings: Settings) -> ApplicationBuilder:
    """PTB's builder for our settings: Bot API root, proxy, rate limits, concurrency."""
    root = settings.telegram_api_url.rstrip("/")
    builder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(PerPersonUpdateProcessor())
    )
    if settings.telegram_proxy is not None:
        proxy = settings.telegram_proxy.get_secret_value()
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    if settings.telegram_webhook_url:
        builder = builder.updater(None)  # updates arrive on the bot's HTTP app
    return builder


def telegram_limits(settings: Settings) -> ChannelLimits:
    """Telegram's limits: ~30 messages a second in all, 1/s to a private chat (short bursts).

    With paid broadcasts (a setting, off by default) pushes may go at up to 1,000 a second.
    """
    # one short of 30 in any second, evenly paced: a message's way to Telegram varies by a few
    # milliseconds, and bursts of 3 drew 429s (bench/broadcast: 85% of 30/s, 18 429s in 1,500);
    # a burst of 1.25 lets a late send's pace catch up without bunching (96%, no 429)
    overall = Rate(1000, 1, burst=20) if settings.telegram_paid_broadcast \
        else Rate(29, 1, burst=1.25)
    return ChannelLimits(overall, (Rate(10, 10),), concurrency=32)


async def _after_flood_wait(message: Part) -> None:
    """Send; if Telegram says "too many requests" for a short while, wait it out once.

    The person who wrote is waiting for this reply (pushes are retried by the outbox instead).
    """
    try:
        await message()
    except RetryAfter as exc:
        wait = retry_after_seconds(exc)
        if wait > REPLY_FLOOD_WAIT:
            raise
        await asyncio.sleep(wait)
        await message()


def _chat_id(address: str) -> int:
    try:
        return int(address)
    except ValueError as exc:
        raise PermanentDeliveryError(f"not a Telegram chat id: {address!r}") from exc


def _guarded(message: Part) -> Part:
    """The message, with Bot API and file errors turned into delivery errors."""
    async def send() -> None:
        try:
            await message()
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        except OSError as exc:  # an attachment file that is gone
            raise PermanentDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    return send


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as exc:  # e.g. "query is too old": the reply still goes out
        log.info("callback query %s not answered: %s", query.id, exc)

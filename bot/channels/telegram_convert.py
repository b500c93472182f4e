"""Pure conversions between python-telegram-bot objects and our Event / Reply types."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)

from bot.core import text_split
from bot.core.channel import (
    DeliveryError,
    PermanentDeliveryError,
    TransientDeliveryError,
    UnreachableError,
)
from bot.core.types import Event, EventKind, Location, MediaRef, Reply

CHANNEL = "telegram"
MAX_MESSAGE_LENGTH = 4096  # Telegram's limit for one text message, in UTF-16 code units
PERMANENT_ERRORS = (BadRequest, Forbidden, ChatMigrated, InvalidToken, EndPointNotFound)
GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


def language_hint(user: User | None) -> str | None:
    """'en' for English-speaking Telegram clients, else None (the default locale)."""
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else None


def to_event(update: Update, bot: Bot) -> Event | None:
    """Our event for a private-chat update, or None when there is nothing to handle."""
    user = update.effective_user
    if user is None:
        return None
    common = {"update_key": str(update.update_id), "display_name": user.full_name,
              "language_hint": language_hint(user)}
    if update.callback_query is not None:
        message = update.callback_query.message
        return Event(CHANNEL, str(user.id), EventKind.BUTTON,
                     payload=update.callback_query.data or "",
                     source_message=str(message.message_id) if message else None, **common)
    if update.message is None:
        return None
    return message_event(update.message, str(user.id), bot, common)


def message_event(message: Message, user_id: str, bot: Bot, common: dict) -> Event:
    """Classify one message: text or command, media, location, or unsupported."""
    if message.text is not None:
        return Event.from_text(CHANNEL, user_id, message.text, **common)
    caption = message.caption or ""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        ref = media_ref(bot, largest.file_id, largest.file_size, "image/jpeg",
                        message.media_group_id)
        return Event(CHANNEL, user_id, EventKind.PHOTO, text=caption, media=(ref,), **common)
    if message.document is not None:
        doc = message.document
        ref = media_ref(bot, doc.file_id, doc.file_size, doc.mime_type, message.media_group_id)
        return Event(CHANNEL, user_id, EventKind.DOCUMENT, text=caption, media=(ref,), **common)
    sound = message.voice or message.audio
    if sound is not None:
        ref = media_ref(bot, sound.file_id, sound.file_size, sound.mime_type, None)
        return Event(CHANNEL, user_id, EventKind.VOICE, text=caption, media=(ref,), **common)
    if message.location is not None:
        point = Location(message.location.latitude, message.location.longitude)
        return Event(CHANNEL, user_id, EventKind.LOCATION, location=point, **common)
    return Event(CHANNEL, user_id, EventKind.UNSUPPORTED, text=caption, **common)


def media_ref(bot: Bot, file_id: str, size: int | None, mime_type: str | None,
              group_id: str | None) -> MediaRef:
    """A MediaRef whose fetch downloads the file through getFile and the file URL."""
    async def fetch() -> bytes:
        telegram_file = await bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())

    return MediaRef(file_id, size, mime_type, fetch, group_id)


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline keyboard for the reply's button rows (None when it has none)."""
    rows = [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row]
            for row in reply.buttons if row]
    return InlineKeyboardMarkup(rows) if rows else None


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (a character beyond the BMP counts 2)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def utf16_units(char: str) -> int:
    """What one character counts in Telegram's limits: 2 beyond the BMP, else 1."""
    return 2 if ord(char) > 0xFFFF else 1


def split_text(text: str, limit: int = MAX_MESSAGE_LENGTH) -> list[str]:
    """Cut a long text into messages Telegram accepts (in UTF-16 units), preferring line breaks."""
    return text_split.split_text(text, limit, utf16_units)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """Map a Bot API failure to what the outbox does about it.

    Rate limited: try later, slower. The person gone (blocked the bot, deleted the account):
    unreachable until they write. The message at fault: permanent. Anything else: try again.
    """
    if isinstance(exc, RetryAfter):
        return TransientDeliveryError(str(exc), retry_after=retry_after_seconds(exc))
    if isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and any(
            sign in str(exc).lower() for sign in GONE)):
        return UnreachableError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, PERMANENT_ERRORS):  # BadRequest before NetworkError: it subclasses it
        return PermanentDeliveryError(f"{type(exc).__name__}: {exc}")
    # TimedOut, NetworkError and anything unexpected: worth another try later
    return TransientDeliveryError(f"{type(exc).__name__}: {exc}")


def retry_after_seconds(exc: RetryAfter) -> float:
    """The server's retry_after in seconds, whichever type this PTB version returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int form is deprecated
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)

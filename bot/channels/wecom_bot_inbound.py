"""AI-bot callback frames as our events; images and files downloaded and decrypted at once.

A media URL in a callback is valid for five minutes only, so its bytes are fetched before the
event is dispatched and the event's media hand them over from memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Awaitable, Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.core.types import Event, EventKind, MediaRef

CHANNEL = "wecom_bot"
MAX_KEY_LENGTH = 64  # the processed-update table's key column
Download = Callable[[str], Awaitable[bytes]]  # a URL's bytes (limited in size by the caller)


class MediaError(Exception):
    """A file could not be fetched or decrypted."""


def decrypt(data: bytes, aeskey: str) -> bytes:
    """A WeCom AI-bot file: AES-256-CBC with the message's own key, IV its first 16 bytes,
    PKCS#7 padding up to 32 bytes.
    """
    try:
        key = base64.b64decode(aeskey + "=" * (-len(aeskey) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MediaError("the file key is not base64") from exc
    if len(key) != 32 or not data or len(data) % 16:
        raise MediaError("the file or its key has the wrong length")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= 32 or plain[-pad:] != bytes([pad]) * pad:
        raise MediaError("the file does not decrypt with its key")
    return plain[:-pad]


def sender(body: dict) -> str:
    """The member who wrote or pressed (empty when the frame names nobody)."""
    return str((body.get("from") or {}).get("userid") or "")


async def message_event(body: dict, download: Download) -> Event | None:
    """Our event for an aibot_msg_callback body (media already fetched), or None."""
    user, kind = sender(body), body.get("msgtype", "")
    if not user or body.get("chattype", "single") != "single":
        return None  # group chats are not where delegates talk to the office
    common = {"update_key": update_key("msg", str(body.get("msgid", "")))}
    if kind == "text":
        return Event.from_text(CHANNEL, user, (body.get("text") or {}).get("content", ""),
                               **common)
    if kind == "voice":  # WeCom sends what it recognised
        return Event.from_text(CHANNEL, user, (body.get("voice") or {}).get("content", ""),
                               **common)
    if kind == "image":
        media = (await _fetched(body.get("image") or {}, "image/jpeg", download),)
        return Event(CHANNEL, user, EventKind.PHOTO, media=media, **common)
    if kind == "file":
        media = (await _fetched(body.get("file") or {}, None, download),)
        return Event(CHANNEL, user, EventKind.DOCUMENT, media=media, **common)
    if kind == "mixed":
        return await _mixed(user, body.get("mixed") or {}, download, common)
    return Event(CHANNEL, user, EventKind.UNSUPPORTED, **common)


async def _mixed(user: str, mixed: dict, download: Download, common: dict) -> Event:
    """Text with pictures: the pictures, and the text as their caption (text alone: a text)."""
    items = mixed.get("msg_item") or []
    text = "\n".join((item.get("text") or {}).get("content", "") for item in items
                     if item.get("msgtype") == "text").strip()
    images = [item.get("image") or {} for item in items if item.get("msgtype") == "image"]
    if not images:
        return Event.from_text(CHANNEL, user, text, **common)
    media = tuple([await _fetched(image, "image/jpeg", download) for image in images])
    return Event(CHANNEL, user, EventKind.PHOTO, text=text, media=media, **common)


def event_event(body: dict) -> tuple[Event | None, str | None]:
    """(our event, the pressed card's task id) for an aibot_event_callback body."""
    user, event = sender(body), body.get("event") or {}
    name = event.get("eventtype", "")
    common = {"update_key": update_key("event", str(body.get("msgid", "")))}
    if not user:
        return None, None
    if name == "enter_chat":
        return Event.from_text(CHANNEL, user, "/start", **common), None
    if name == "template_card_event":
        details = event.get("template_card_event") or event
        key, task_id = details.get("event_key", ""), details.get("task_id")
        if key:
            return Event(CHANNEL, user, EventKind.BUTTON, payload=key, source_message=task_id,
                         **common), task_id
    return None, None


async def _fetched(media: dict, mime: str | None, download: Download) -> MediaRef:
    url, aeskey = media.get("url", ""), media.get("aeskey", "")
    try:
        data = decrypt(await download(url), aeskey) if aeskey else await download(url)
        problem = None
    except Exception as exc:  # the event still goes through; the intake says it failed
        data, problem = b"", exc

    async def fetch() -> bytes:
        if problem is not None:
            raise MediaError(f"{type(problem).__name__}: {problem}")
        return data

    file_id = hashlib.sha256(url.encode()).hexdigest()[:32]
    return MediaRef(file_id, len(data) if problem is None else None, mime, fetch)


def update_key(prefix: str, value: str) -> str | None:
    """The dedupe key of a callback (its msgid); None when it has none."""
    if not value:
        return None
    key = f"{prefix}:{value}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return f"{prefix}#{hashlib.sha256(value.encode()).hexdigest()[:MAX_KEY_LENGTH - 8]}"

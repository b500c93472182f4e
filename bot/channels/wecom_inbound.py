"""WeCom callback XML, parsed with a hardened parser into our Event types (pure, no I/O)."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Awaitable, Callable
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeTree
from defusedxml.common import DefusedXmlException

from bot.core.types import Event, EventKind, Location, MediaRef

CHANNEL = "wecom"
MAX_BODY_BYTES = 64 * 1024  # a callback is a few hundred bytes; anything this big is not WeCom's
MAX_KEY_LENGTH = 64  # the processed-update table's key column
MediaFetcher = Callable[[str], Awaitable[bytes]]
MIME = {"image": "image/jpeg", "voice": "audio/amr", "file": None}
KINDS = {"image": EventKind.PHOTO, "voice": EventKind.VOICE, "file": EventKind.DOCUMENT}


class MalformedXml(ValueError):
    """The body is not a WeCom XML document we accept (too big, entities, not XML)."""


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The top-level fields of a WeCom XML document; MalformedXml otherwise.

    defusedxml refuses DTDs, entities and external references (XXE, billion laughs).
    """
    data = body.encode() if isinstance(body, str) else body
    if len(data) > MAX_BODY_BYTES:
        raise MalformedXml("too large")
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, SafeTree.ParseError, ValueError) as exc:
        raise MalformedXml(f"{type(exc).__name__}") from exc
    if root.tag != "xml":
        raise MalformedXml("root is not <xml>")
    return _fields(root)


def _fields(root: Element) -> dict[str, str]:
    return {child.tag: (child.text or "").strip() for child in root}


def to_event(fields: dict[str, str], fetch: MediaFetcher) -> Event | None:
    """Our event for a decrypted callback message, or None when there is nothing to handle."""
    user = fields.get("FromUserName", "")
    if not user:
        return None
    kind = fields.get("MsgType", "")
    if kind == "event":
        return _event(fields, user)
    common = {"update_key": _key("msg", fields.get("MsgId") or _event_key(fields))}
    if kind == "text":
        return Event.from_text(CHANNEL, user, fields.get("Content", ""), **common)
    if kind in KINDS and fields.get("MediaId"):
        return Event(CHANNEL, user, KINDS[kind], media=(_media(fields, kind, fetch),), **common)
    if kind == "location":
        return Event(CHANNEL, user, EventKind.LOCATION, location=_location(fields), **common)
    return Event(CHANNEL, user, EventKind.UNSUPPORTED, **common)


def _event(fields: dict[str, str], user: str) -> Event | None:
    name, key = fields.get("Event", "").lower(), fields.get("EventKey", "")
    common = {"update_key": _key("event", _event_key(fields))}
    if name == "click" and key:
        return Event.from_text(CHANNEL, user, key, **common)
    if name == "enter_agent":
        return Event.from_text(CHANNEL, user, "/start", **common)
    if name == "template_card_event" and key:
        return Event(CHANNEL, user, EventKind.BUTTON, payload=key,
                     source_message=fields.get("ResponseCode") or None, **common)
    return None  # subscribe, periodic LOCATION reports, view…: nothing to answer


def _event_key(fields: dict[str, str]) -> str:
    """Events have no MsgId: sender, create time, event and its key name one delivery."""
    return "|".join(fields.get(name, "") for name in
                    ("FromUserName", "CreateTime", "Event", "EventKey", "TaskId"))


def _key(prefix: str, value: str) -> str:
    key = f"{prefix}:{value}"
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"{prefix}#{digest[:MAX_KEY_LENGTH - len(prefix) - 1]}"


def _media(fields: dict[str, str], kind: str, fetch: MediaFetcher) -> MediaRef:
    media_id = fields["MediaId"]

    async def download() -> bytes:
        return await fetch(media_id)

    mime = MIME[kind]
    if kind == "file":  # the file's name, where WeCom gives one, says what it is
        mime = mimetypes.guess_type(fields.get("FileName") or fields.get("Title") or "")[0]
    return MediaRef(media_id, None, mime, download)


def _location(fields: dict[str, str]) -> Location:
    try:
        return Location(float(fields.get("Location_X", "")), float(fields.get("Location_Y", "")))
    except ValueError:
        return Location(float("nan"), float("nan"))  # invalid: the dialog says so

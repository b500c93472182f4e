"""Our own event and reply types: what every channel translates to and from."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum

KEPT_CONTROLS = {"\n", "\t"}


class EventKind(StrEnum):
    """What a user sent."""

    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    PHOTO = "photo"
    LOCATION = "location"
    VOICE = "voice"
    DOCUMENT = "document"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Location:
    """A point shared from the messenger."""

    latitude: float
    longitude: float

    @property
    def valid(self) -> bool:
        """True for a real point on Earth (finite, latitude ±90, longitude ±180)."""
        return (math.isfinite(self.latitude) and math.isfinite(self.longitude)
                and -90 <= self.latitude <= 90 and -180 <= self.longitude <= 180)


@dataclass(frozen=True)
class Received:
    """A file stored before the handler ran (its SHA-256 and extension), or why it was not."""

    sha256: str | None = None
    ext: str | None = None
    # too_large, not_image, not_document, empty, too_many, daily_limit, failed
    refusal: str | None = None


@dataclass(frozen=True)
class MediaRef:
    """A file the user sent; `fetch` downloads its bytes from the channel."""

    file_id: str
    size: int | None
    mime_type: str | None
    fetch: Callable[[], Awaitable[bytes]]
    group_id: str | None = None  # album / media group id
    received: Received | None = None  # filled in by the dispatcher's intake


@dataclass(frozen=True)
class Event:
    """One thing a user did, as every channel reports it."""

    channel: str
    user_id: str
    kind: EventKind
    text: str = ""
    command: str | None = None
    args: str = ""
    payload: str | None = None
    media: tuple[MediaRef, ...] = ()
    location: Location | None = None
    display_name: str = ""
    update_key: str | None = None  # for redelivery dedupe (Telegram update_id, WeCom MsgId)
    language_hint: str | None = None
    source_message: str | None = None  # the channel's id of the message whose button was pressed

    def cleaned(self) -> Event:
        """The event with control characters (ANSI escapes, NUL, C1…) removed from its texts."""
        return replace(self, text=strip_controls(self.text), args=strip_controls(self.args),
                       payload=strip_controls(self.payload) if self.payload else self.payload,
                       command=strip_controls(self.command) if self.command else self.command,
                       display_name=strip_controls(self.display_name))

    @classmethod
    def from_text(cls, channel: str, user_id: str, text: str, **extra) -> Event:
        """Build a command or text event from a typed line."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            command = head.split("@", 1)[0].lower()
            return cls(channel, user_id, EventKind.COMMAND, text=stripped,
                       command=command, args=rest.strip(), **extra)
        return cls(channel, user_id, EventKind.TEXT, text=text, **extra)


def strip_controls(text: str) -> str:
    """`text` without control characters, keeping line breaks and tabs (CR LF becomes LF)."""
    text = text.replace("\r\n", "\n")
    if text.isprintable():
        return text
    return "".join(ch for ch in text
                   if ch in KEPT_CONTROLS or unicodedata.category(ch) != "Cc")


@dataclass(frozen=True)
class Button:
    """An inline button: a label and a short opaque payload (at most 64 bytes)."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode()) > 64:
            raise ValueError(f"button payload too long: {self.payload!r}")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (an export, a QR sheet, a photo from a case).

    A `temporary` file (an export) is the channel's to delete once it has been sent; a
    `caption` is a line shown with the file, where the channel can show one.
    """

    path: str
    filename: str
    is_photo: bool = False
    temporary: bool = False
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    """A message to show: text, rows of buttons, optional files.

    An `edit` reply to a button press replaces the message whose button was pressed (Telegram
    edits it, the console prints the new state), so an old message never offers stale choices;
    where the channel cannot edit, it is sent as a new message.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachments: tuple[Attachment, ...] = ()
    edit: bool = False

    def to_dict(self) -> dict:
        """Serialise for the outbox."""
        return {
            "text": self.text,
            "buttons": [[[b.label, b.payload] for b in row] for row in self.buttons],
            "attachments": [[a.path, a.filename, a.is_photo, a.temporary, a.caption]
                            for a in self.attachments],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Reply:
        """Rebuild from the outbox."""
        return cls(
            text=data["text"],
            buttons=tuple(tuple(Button(label, payload) for label, payload in row)
                          for row in data.get("buttons", [])),
            attachments=tuple(Attachment(*a) for a in data.get("attachments", [])),
        )


def button_rows(*rows: list[Button] | tuple[Button, ...]) -> tuple[tuple[Button, ...], ...]:
    """Build the nested tuple of button rows from lists."""
    return tuple(tuple(row) for row in rows if row)

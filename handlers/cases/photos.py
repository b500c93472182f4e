"""The photos and voice notes of an event, as the dispatcher's intake received them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Context
from bot.core.types import EventKind
from storage.models import Conversation

MAX_PHOTOS = 9
# catalog: photos.<reason>, for every refusal the intake (bot/core/intake.py) can give
REFUSALS = ("too_large", "not_image", "empty", "too_many", "daily_limit", "failed")
PHOTO_EVENTS = (EventKind.PHOTO, EventKind.DOCUMENT)


@dataclass(frozen=True)
class Intake:
    """What an event brought: stored files as [sha256, ext] pairs, or a refusal key."""

    stored: list[list[str]]
    refusal: str | None = None


def is_photo_event(ctx: Context) -> bool:
    """A photo, or a file sent as a document (which must then really be an image)."""
    return ctx.event.kind in PHOTO_EVENTS and bool(ctx.event.media)


def photo_room(photos: list) -> int:
    """How many more photos fit beside those already taken."""
    return max(MAX_PHOTOS - len(photos), 0)


def photos_step_room(conversation: Conversation, kind: EventKind) -> int:
    """For the router: a dialog in its "photos" state takes images until it holds nine."""
    if conversation.state != "photos" or kind not in PHOTO_EVENTS:
        return 0
    return photo_room(conversation.data.get("photos", []))


def take_images(ctx: Context, room: int) -> Intake:
    """The event's received images, at most `room` of them, stopping at the first refusal."""
    if room <= 0:
        return Intake([], "photos.too_many")
    stored: list[list[str]] = []
    for ref in ctx.event.media[:room]:
        received = ref.received
        if received is None or received.refusal:
            return Intake(stored, f"photos.{received.refusal if received else 'failed'}")
        stored.append([received.sha256, received.ext])
    return Intake(stored, "photos.too_many" if len(ctx.event.media) > room else None)


def refusal_values(ctx: Context) -> dict:
    """The numbers every photos.<reason> message may mention."""
    return {"max": MAX_PHOTOS, "daily": ctx.services.settings.max_media_per_day}


def take_voice(ctx: Context) -> list[str] | None:
    """The received voice note as [sha256, ext]; None when it could not be stored."""
    ref = ctx.event.media[0] if ctx.event.media else None
    received = ref.received if ref else None
    if received is None or received.refusal:
        return None
    return [received.sha256, received.ext]

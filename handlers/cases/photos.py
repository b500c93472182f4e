"""Taking photos and voice notes from an event: size check, download, byte check, store."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.context import Context
from bot.core.types import EventKind, MediaRef
from storage.media import MediaRejected

MAX_PHOTOS = 9
REFUSALS = ("too_large", "not_image", "empty", "too_many")  # catalog: photos.<reason>


@dataclass(frozen=True)
class Intake:
    """What an event brought: stored files as [sha256, ext] pairs, or a refusal key."""

    stored: list[list[str]]
    refusal: str | None = None


def is_photo_event(ctx: Context) -> bool:
    """A photo, or a file sent as a document (which must then really be an image)."""
    return ctx.event.kind in (EventKind.PHOTO, EventKind.DOCUMENT) and bool(ctx.event.media)


async def take_images(ctx: Context, room: int) -> Intake:
    """Download and store the event's images, at most `room` of them."""
    if room <= 0:
        return Intake([], "photos.too_many")
    stored: list[list[str]] = []
    for ref in ctx.event.media[:room]:
        refusal = _precheck(ctx, ref)
        if refusal:
            return Intake(stored, refusal)
        try:
            saved = ctx.services.media.put_image(await ref.fetch())
        except MediaRejected as rejected:
            return Intake(stored, f"photos.{rejected.reason}")
        stored.append([saved.sha256, saved.path.suffix.lstrip(".")])
    return Intake(stored, "photos.too_many" if len(ctx.event.media) > room else None)


def _precheck(ctx: Context, ref: MediaRef) -> str | None:
    if ref.size is not None and ref.size > ctx.services.settings.max_photo_bytes:
        return "photos.too_large"
    if ctx.event.kind is EventKind.DOCUMENT and not (ref.mime_type or "").startswith("image/"):
        return "photos.not_image"
    return None


async def take_voice(ctx: Context) -> list[str] | None:
    """Store a voice note; None when it cannot be stored."""
    ref = ctx.event.media[0] if ctx.event.media else None
    if ref is None or (ref.size or 0) > ctx.services.settings.max_photo_bytes:
        return None
    try:
        saved = ctx.services.media.put_file(await ref.fetch(), ref.mime_type or "audio/ogg")
    except MediaRejected:
        return None
    return [saved.sha256, saved.path.suffix.lstrip(".")]

"""Photos Telegram accepts: width + height at most 10,000 px, aspect ratio at most 20."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_SIDES_SUM = 10_000  # Telegram: "width and height must not exceed 10000 in total"
MAX_ASPECT_RATIO = 20  # Telegram: "width and height ratio must be at most 20"
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Outgoing:
    """What to upload: a file, as a photo or as a document; `scratch` files are ours to delete."""

    path: Path
    as_photo: bool
    scratch: bool = False


def photo_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of an image file, or None when Pillow cannot read it as an image."""
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return None


def fits(width: int, height: int) -> bool:
    """True when Telegram accepts a photo of this size as it is."""
    return width + height <= MAX_SIDES_SUM and not too_thin(width, height)


def too_thin(width: int, height: int) -> bool:
    """True when no downscaling helps: the aspect ratio is over Telegram's limit."""
    return max(width, height) > MAX_ASPECT_RATIO * max(min(width, height), 1)


def scaled_size(width: int, height: int) -> tuple[int, int]:
    """The largest size of the same shape with width + height within the limit."""
    factor = MAX_SIDES_SUM / (width + height)
    return max(1, int(width * factor)), max(1, int(height * factor))


def prepare(path: Path) -> Outgoing:
    """Decide how to send a stored photo; downscale a copy when it is too large (blocking)."""
    size = photo_size(path)
    if size is None or too_thin(*size):
        return Outgoing(path, as_photo=False)
    if fits(*size):
        return Outgoing(path, as_photo=True)
    target = scaled_size(*size)
    if not fits(*target):  # rounding made a borderline shape too thin
        return Outgoing(path, as_photo=False)
    return Outgoing(downscaled_copy(path, target), as_photo=True, scratch=True)


def downscaled_copy(path: Path, size: tuple[int, int]) -> Path:
    """A JPEG copy of the image at `size` in a temporary file; the original is not touched."""
    handle, name = tempfile.mkstemp(prefix="liandong-photo-", suffix=".jpg")
    os.close(handle)
    try:
        with Image.open(path) as image:
            image.draft("RGB", size)  # JPEG decodes at a reduced scale: faster, less memory
            image.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(
                name, format="JPEG", quality=JPEG_QUALITY)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


@contextlib.asynccontextmanager
async def outgoing_photo(path: Path) -> AsyncIterator[Outgoing]:
    """`prepare` off the event loop; a scaled copy is removed when the block ends."""
    outgoing = await asyncio.to_thread(prepare, path)
    try:
        yield outgoing
    finally:
        if outgoing.scratch:
            outgoing.path.unlink(missing_ok=True)

"""Limits the fake Bot API enforces as Telegram does, answering 400 Bad Request."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, UnidentifiedImageError

MAX_TEXT_UTF16 = 4096  # Telegram counts a text's length in UTF-16 code units
MAX_PHOTO_SIDES = 10_000  # width + height of a photo
MAX_PHOTO_RATIO = 20


class Rejected(Exception):
    """What Telegram answers when a request breaks one of its limits (400 Bad Request)."""


def check_text(text: str) -> None:
    """Reject a message text over the limit."""
    if len(text.encode("utf-16-le")) // 2 > MAX_TEXT_UTF16:
        raise Rejected("message is too long")


def photo_size(upload: Any) -> tuple[int, int]:
    """The uploaded photo's size, checked against Telegram's limits (file_id: any size)."""
    if not isinstance(upload, dict):
        return 800, 600
    try:
        with Image.open(io.BytesIO(upload["content"])) as image:
            width, height = image.size
    except UnidentifiedImageError:
        raise Rejected("IMAGE_PROCESS_FAILED") from None
    too_thin = max(width, height) > MAX_PHOTO_RATIO * min(width, height)
    if width + height > MAX_PHOTO_SIDES or too_thin:
        raise Rejected("PHOTO_INVALID_DIMENSIONS")
    return width, height

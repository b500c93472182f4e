"""Real image bytes made with Pillow for photo tests."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(color: tuple[int, int, int] = (200, 30, 30),
               size: tuple[int, int] = (64, 48)) -> bytes:
    """A small, valid JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="JPEG")
    return buffer.getvalue()

"""Cutting a long text into messages a messenger accepts, however it measures length."""

from __future__ import annotations

from collections.abc import Callable

CharSize = Callable[[str], int]  # what one character counts towards a messenger's limit


def split_text(text: str, limit: int, size: CharSize) -> list[str]:
    """Cut `text` into pieces of at most `limit` (as `size` counts), preferring line breaks.

    Python indexes by code point, so a cut never falls inside a character, whatever the
    messenger counts (UTF-16 units, UTF-8 bytes). Blank texts give no piece.
    """
    chunks: list[str] = []
    rest = text
    while sum(size(char) for char in rest) > limit:
        end = fitting_prefix(rest, limit, size)
        cut = rest.rfind("\n", 0, end)
        cut = cut if cut > 0 else end
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest.strip():
        chunks.append(rest)
    return chunks


def fitting_prefix(text: str, limit: int, size: CharSize) -> int:
    """How many characters of `text` fit within `limit` (at least one)."""
    total = 0
    for index, char in enumerate(text):
        total += size(char)
        if total > limit:
            return max(index, 1)
    return len(text)

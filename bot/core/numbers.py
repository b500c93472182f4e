"""Numbers typed by people or carried in button payloads: ASCII digits in range, nothing else."""

from __future__ import annotations

import re

DIGITS = re.compile(r"[0-9]{1,9}")
FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")  # what a Chinese IME types
DAY_SUFFIXES = ("个工作日", "工作日", "天", "日", "days", "day", "d")


def parse_int(text: str | None, low: int = 0, high: int = 999_999_999) -> int | None:
    """The number `text` spells in digits (ASCII or full-width) if low <= n <= high, else None.

    Superscripts (²), other scripts' digits, signs, blanks inside and overlong strings are not
    numbers here, so they never reach `int()` or the database.
    """
    if text is None:
        return None
    plain = text.strip().translate(FULL_WIDTH)
    if not DIGITS.fullmatch(plain):
        return None
    value = int(plain)
    return value if low <= value <= high else None


def parse_days(text: str | None, low: int, high: int) -> int | None:
    """A number of days as typed: `5`, `5天`, `５个工作日`, `5 days`."""
    if text is None:
        return None
    plain = text.strip().lower()
    for suffix in DAY_SUFFIXES:
        if plain.endswith(suffix):
            plain = plain.removesuffix(suffix).strip()
            break
    return parse_int(plain, low, high)

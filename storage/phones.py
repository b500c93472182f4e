"""Mainland mobile numbers: normalise what people type into 11 digits."""

from __future__ import annotations

import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str | None:
    """11-digit mobile number, or None when `raw` is not one (spaces, dashes, +86 allowed)."""
    digits = re.sub(r"[\s\-－—()（）]", "", str(raw or ""))
    digits = digits.removeprefix("+86") if digits.startswith("+86") else digits
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if MOBILE.match(digits) else None

"""The county's townships: from the roster (people and township groups) and the settings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlmodel import Session, select

from storage.models import Group, Person

SUFFIXES = ("街道", "镇", "乡")
MIN_PREFIX = 2  # one character (青) is too little to mean a township
SEPARATORS = re.compile(r"[,，、;；\s]+")


def configured(setting: str) -> list[str]:
    """`LIANDONG_TOWNSHIPS`: names separated by commas (or 、 ; spaces)."""
    return [name for name in SEPARATORS.split(setting or "") if name]


def known(session: Session, extra: Iterable[str] = ()) -> list[str]:
    """Every township the roster mentions, and those configured, sorted, each once."""
    names = set(session.exec(select(Person.township).where(
        Person.township.is_not(None)).distinct()).all())
    names |= set(session.exec(select(Group.township).where(
        Group.township.is_not(None)).distinct()).all())
    return sorted({name.strip() for name in (*names, *extra) if name and name.strip()})


def _stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def match(typed: str, townships: Sequence[str]) -> str | None:
    """The one township `typed` means (青石 → 青石镇, 青石镇 → 青石镇), or None (none or many)."""
    text = "".join(typed.split())
    if not text:
        return None
    if text in townships:
        return text
    found = [name for name in townships if _stem(name) == _stem(text)]
    if not found and len(text) >= MIN_PREFIX:
        found = [name for name in townships if name.startswith(text)]
    return found[0] if len(found) == 1 else None

"""Message catalogs (gettext .po, read with Babel): zh_CN by default, English second."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).parent / "locales"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MISSING = "common.text_missing"
log = logging.getLogger(__name__)


def load_catalog(locale: str) -> dict[str, str]:
    """Read every .po file of one locale (one file per feature) into a key → text mapping."""
    messages: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        messages.update({m.id: m.string for m in catalog if m.id and m.string})
    return messages


@dataclass(frozen=True)
class Translator:
    """Looks up keys in one locale, falling back to the default locale."""

    locale: str
    messages: dict[str, str]
    fallback: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        """The text for `key` with `{placeholders}` filled in; never the raw key.

        A missing key (a defect the catalog tests exist to prevent) is logged and shown as a
        neutral placeholder, so a catalog key never reaches a person.
        """
        text = self.messages.get(key) or self.fallback.get(key)
        if text is None:
            log.error("missing catalog key %s", key)
            return self.messages.get(MISSING) or self.fallback.get(MISSING) or "…"
        return text.format(**values) if values else text


class Catalogs:
    """All locales, loaded once at start."""

    def __init__(self, default_locale: str = "zh_CN") -> None:
        self.default_locale = default_locale
        self.messages = {locale: load_catalog(locale) for locale in SUPPORTED_LOCALES}

    def translator(self, locale: str | None) -> Translator:
        """A translator for `locale`, or the default when it is unknown or None."""
        chosen = locale if locale in self.messages else self.default_locale
        return Translator(chosen, self.messages[chosen], self.messages[self.default_locale])

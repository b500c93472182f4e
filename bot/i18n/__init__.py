"""Message catalogs (gettext .po, read with Babel): zh_CN by default, English second.

A message may have plural forms (gettext's `msgid_plural` with `msgstr[0]`, `msgstr[1]`; the
msgid and msgid_plural are both the key). The form is chosen by the locale's plural rule from
the first whole-number placeholder of the message, so English says "1 working day" and
"3 working days" while Chinese, which has one form, keeps a plain entry.
"""

from __future__ import annotations

import gettext
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES

LOCALES_DIR = Path(__file__).parent / "locales"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
MISSING = "common.text_missing"
log = logging.getLogger(__name__)


Text = str | tuple[str, ...]  # one text, or its plural forms in the locale's order


def load_catalog(locale: str) -> dict[str, Text]:
    """Read every .po file of one locale (one file per feature) into a key → text mapping."""
    messages: dict[str, Text] = {}
    for path in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key and message.string and all(message.string):
                messages[key] = message.string
    return messages


def plural_rule(locale: str) -> Callable[[int], int]:
    """The locale's gettext plural rule: a count → the index of its plural form."""
    return gettext.c2py(get_plural(locale).plural_expr)


def pick_form(forms: tuple[str, ...], rule: Callable[[int], int], values: dict) -> str:
    """The plural form for the first whole-number placeholder (the last form when none is)."""
    for name in PLACEHOLDER.findall(forms[0]):
        number = values.get(name)
        if isinstance(number, int) and not isinstance(number, bool):
            return forms[min(rule(abs(number)), len(forms) - 1)]
    return forms[-1]


@dataclass(frozen=True)
class Translator:
    """Looks up keys in one locale, falling back to the default locale."""

    locale: str
    messages: dict[str, Text]
    fallback: dict[str, Text]
    plural: Callable[[int], int] = field(default=lambda n: 0)
    fallback_plural: Callable[[int], int] = field(default=lambda n: 0)

    def __call__(self, key: str, **values: object) -> str:
        """The text for `key` with `{placeholders}` filled in; never the raw key.

        A missing key (a defect the catalog tests exist to prevent) is logged and shown as a
        neutral placeholder, so a catalog key never reaches a person.
        """
        own = self.messages.get(key)
        text = own or self.fallback.get(key)
        if text is None:
            log.error("missing catalog key %s", key)
            return self.messages.get(MISSING) or self.fallback.get(MISSING) or "…"
        if isinstance(text, tuple):
            text = pick_form(text, self.plural if own else self.fallback_plural, values)
        return text.format(**values) if values else text


class Catalogs:
    """All locales, loaded once at start."""

    def __init__(self, default_locale: str = "zh_CN") -> None:
        self.default_locale = default_locale
        self.messages = {locale: load_catalog(locale) for locale in SUPPORTED_LOCALES}
        self.plurals = {locale: plural_rule(locale) for locale in SUPPORTED_LOCALES}

    def translator(self, locale: str | None) -> Translator:
        """A translator for `locale`, or the default when it is unknown or None."""
        chosen = locale if locale in self.messages else self.default_locale
        return Translator(chosen, self.messages[chosen], self.messages[self.default_locale],
                          self.plurals[chosen], self.plurals[self.default_locale])

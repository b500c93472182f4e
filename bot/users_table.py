"""`liandong users`: everyone under a header row, in the operator's language, full phones."""

from __future__ import annotations

import unicodedata

from sqlmodel import Session

from bot.directory import Entry, load_directory
from bot.i18n import Translator
from handlers.labels import level_label, roles_label

COLUMNS = ("id", "name", "phone", "level", "township", "roles", "groups", "departments",
           "bound")


def display_width(text: str) -> int:
    """Columns a terminal gives `text`: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def aligned(rows: list[list[str]]) -> str:
    """Rows as text columns, two spaces apart, padded by display width."""
    widths = [max(display_width(row[n]) for row in rows) for n in range(len(rows[0]))]
    return "\n".join("  ".join(cell + " " * (width - display_width(cell))
                               for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def _groups(t: Translator, entry: Entry) -> str:
    names = [t("users.leads", group=name) if leads else name for name, leads, _ in entry.groups]
    return t("common.list_sep").join(names) or "—"


def _bound(t: Translator, entry: Entry) -> str:
    state = t("users.bound") if entry.bound else t("users.unbound")
    return state if entry.person.active else t("common.list_sep").join(
        (state, t("users.inactive")))


def _row(t: Translator, entry: Entry) -> list[str]:
    person, sep = entry.person, t("common.list_sep")
    return [str(person.id), person.name, person.phone, level_label(t, person.level),
            person.township or "—", roles_label(t, entry.roles), _groups(t, entry),
            sep.join(entry.departments) or "—", _bound(t, entry)]


def users_table(session: Session, t: Translator) -> str:
    """Everyone on the roster by id, with a header row; a sentence when nobody is."""
    entries = load_directory(session)
    if not entries:
        return t("users.none")
    header = [t(f"users.header.{column}") for column in COLUMNS]
    return aligned([header, *(_row(t, entry) for entry in entries.values())])

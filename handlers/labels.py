"""Localised labels for stored codes (levels, group kinds, roles, areas)."""

from __future__ import annotations

from bot.i18n import Translator
from storage.models import Area, Role


def masked_phone(phone: str) -> str:
    """138****0001: enough to tell people apart, not enough to call them."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def level_label(t: Translator, level: str | None) -> str:
    """The delegate level in words, or a dash."""
    return t(f"level.{level}") if level else "—"


def kind_label(t: Translator, kind: str) -> str:
    """The kind of group in words."""
    return t(f"group_kind.{kind}")


def roles_label(t: Translator, roles: frozenset[Role]) -> str:
    """The roles in a fixed order, joined."""
    ordered = [role for role in Role if role in roles]
    return t("common.list_sep").join(t(f"role.{role.value}") for role in ordered) or "—"


def area_label(t: Translator, area: Area | None) -> str:
    """An area's name in the reader's language."""
    if area is None:
        return "—"
    return area.name_en if t.locale == "en" else area.name_zh

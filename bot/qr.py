"""Invite QR codes (Telegram deep links) and a printable HTML sheet, sections by role."""

from __future__ import annotations

import asyncio
import html
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from pathlib import Path

import qrcode
from telegram import Bot
from telegram.error import TelegramError

from bot.config import Settings
from bot.i18n import Translator
from storage.models import Role


@dataclass(frozen=True)
class InviteCard:
    """One printed invite: whose, under which role, and where they belong."""

    code: str
    name: str
    phone: str
    expires: datetime
    section: Role | None
    detail: str  # township and group, or the departments a liaison serves


def deep_link(bot_username: str, code: str) -> str:
    """`https://t.me/<bot>?start=<code>`: opens the bot and sends /start with the code."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


async def _ask_username(settings: Settings) -> str:
    token = settings.telegram_token.get_secret_value()
    async with Bot(token, base_url=f"{settings.telegram_api_url}/bot") as bot:
        return bot.username


def bot_username(settings: Settings) -> tuple[str | None, str | None]:
    """(username, None) from the setting or Telegram's getMe; (None, why) when unknown."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@"), None
    if settings.telegram_token is None:
        return None, None
    try:
        return asyncio.run(_ask_username(settings)), None
    except TelegramError as error:
        why = str(error) or error.__class__.__name__
        return None, why.replace(settings.telegram_token.get_secret_value(), "…")


def _card(t: Translator, card: InviteCard, image: str, link: str) -> str:
    expires = t("invites.sheet.expires", date=f"{card.expires:%Y-%m-%d}")
    return (f'<div class="card"><img src="{image}" alt="{card.code}">'
            f"<p><b>{html.escape(card.name)}</b> {html.escape(card.phone[-4:])}</p>"
            f"<p>{html.escape(card.detail)}</p>"
            f"<p>{html.escape(t('invites.sheet.code'))} <code>{card.code}</code></p>"
            f"<p>{html.escape(expires)}</p><p><small>{html.escape(link)}</small></p></div>")


def _section_title(t: Translator, role: Role | None) -> str:
    return t(f"role.{role.value}") if role else t("invites.sheet.other")


def write_invite_sheet(folder: Path, cards: list[InviteCard], bot_username: str,
                       t: Translator) -> Path:
    """One PNG per invite plus `invites.html` for printing, cards in the order given,
    a section per role; returns the sheet.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sections = []
    for role, members in groupby(cards, key=lambda card: card.section):
        rendered = []
        for card in members:
            link = deep_link(bot_username, card.code)
            qrcode.make(link).save(folder / f"{card.code}.png")
            rendered.append(_card(t, card, f"{card.code}.png", link))
        title = html.escape(_section_title(t, role))
        sections.append(f"<h2>{title}</h2>\n" + "\n".join(rendered))
    sheet = folder / "invites.html"
    sheet.write_text(SHEET.format(
        lang="en" if t.locale == "en" else "zh-CN", title=html.escape(t("invites.sheet.title")),
        intro=html.escape(t("invites.sheet.intro", bot=bot_username.lstrip("@"))),
        sections="\n".join(sections)), encoding="utf-8")
    return sheet


SHEET = """<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif}}h2{{page-break-before:always}}h2:first-of-type{{
page-break-before:auto}}.card{{display:inline-block;width:30%;margin:1%;padding:8px;
border:1px dashed #999;text-align:center;page-break-inside:avoid}}img{{width:160px}}</style>
<body><h1>{title}</h1><p>{intro}</p>
{sections}</body></html>
"""

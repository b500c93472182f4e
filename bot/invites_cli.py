"""`liandong invites`: unused codes by role, township, group and name; QR codes and a sheet."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.admin import Outcome
from bot.config import Settings
from bot.core.clock import Clock
from bot.directory import Entry, load_directory
from bot.i18n import Translator
from bot.qr import InviteCard, bot_username, write_invite_sheet
from storage import identities, invites
from storage.db import unit_of_work
from storage.models import Person, Role


def _issue_missing(session: Session, now: datetime, valid_days: int) -> None:
    for person in session.exec(select(Person).where(Person.active)).all():
        if not identities.is_bound(session, person.id) and not invites.valid_invite(
                session, person.id, now):
            invites.issue(session, person.id, now, valid_days)


def _detail(t: Translator, entry: Entry) -> str:
    """Where the person belongs: a liaison's departments, else township and main group."""
    if entry.section is Role.LIAISON:
        return t("common.list_sep").join(entry.departments)
    return " ".join(part for part in (entry.person.township, entry.main_group) if part)


def unused_cards(session: Session, t: Translator, now: datetime) -> list[InviteCard]:
    """Every unused, unexpired invite as a card, by role, township, group and name."""
    pairs = invites.unused(session, now)
    entries = load_directory(session, {person.id for _, person in pairs})
    pairs.sort(key=lambda pair: (entries[pair[1].id].sort_key(), pair[0].code))
    return [InviteCard(invite.code, person.name, person.phone, invite.expires_at,
                       entries[person.id].section, _detail(t, entries[person.id]))
            for invite, person in pairs]


def _qr(settings: Settings, t: Translator, cards: list[InviteCard],
        folder: Path) -> tuple[str, str]:
    """(line saying where the sheet is, '') or ('', warning why no QR code was written)."""
    username, error = bot_username(settings)
    if username is None:
        return "", t("invites.get_me_failed", error=error) if error else t("invites.no_bot")
    return t("invites.written", sheet=write_invite_sheet(folder, cards, username, t)), ""


def invites_outcome(settings: Settings, t: Translator, engine: Engine, qr_dir: Path | None,
                    issue_missing: bool) -> Outcome:
    """List unused invites; with `qr_dir` write QR codes and the sheet when the bot is known."""
    now = Clock().utcnow()
    with unit_of_work(engine) as session:
        if issue_missing:
            _issue_missing(session, now, settings.invite_valid_days)
        cards = unused_cards(session, t, now)
    lines = [t("invites.line", code=card.code, name=card.name, phone=card.phone,
               expires=f"{card.expires:%Y-%m-%d}") for card in cards] or [t("invites.none")]
    if qr_dir is None or not cards:
        return Outcome(True, "\n".join(lines))
    written, warning = _qr(settings, t, cards, qr_dir)
    return Outcome(not warning, "\n".join([*lines, written] if written else lines), warning)

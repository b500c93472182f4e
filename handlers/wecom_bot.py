"""`/notwritten` (staff): members who have not written to the WeCom AI bot yet.

WeCom lets the AI bot push only to members who have written to it once; the office asks
these members to say hello to the bot, and their waiting pushes then go at once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from bot.core.context import Context
from bot.core.types import Reply
from handlers.labels import masked_phone
from storage.wecom_bot_reach import not_yet_written

SHOWN = 50  # names listed in one reply


async def not_written(ctx: Context) -> list[Reply]:
    """The members by name, with how many pushes wait for each."""
    return [Reply(not_written_text(ctx.session, ctx.t))]


def not_written_text(session: Session, t: Callable[..., str]) -> str:
    """The list as one text in the translator's language (the command and the CLI)."""
    silent = not_yet_written(session)
    if not silent:
        return t("wecom_bot.not_written.none")
    lines = [t("wecom_bot.not_written.head", count=len(silent),
               waiting=sum(s.waiting for s in silent))]
    for entry in silent[:SHOWN]:
        key = "wecom_bot.not_written.line_waiting" if entry.waiting else \
            "wecom_bot.not_written.line"
        lines.append(t(key, name=entry.person.name, phone=masked_phone(entry.person.phone),
                       waiting=entry.waiting))
    if len(silent) > SHOWN:
        lines.append(t("wecom_bot.not_written.more", count=len(silent) - SHOWN))
    lines.append(t("wecom_bot.not_written.hint"))
    return "\n".join(lines)

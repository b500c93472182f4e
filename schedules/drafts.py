"""Stale drafts: one reminder after a day untouched, then expiry with a notice a day later."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.context import Services, queue_push
from bot.core.quiet import next_allowed
from bot.core.types import Reply
from bot.i18n import Translator
from storage.db import unit_of_work
from storage.models import Conversation, Person

log = logging.getLogger(__name__)
REMIND_AFTER = timedelta(hours=24)
EXPIRE_AFTER = timedelta(hours=48)


def flow_name(t: Translator, flow: str) -> str:
    """The flow in words (`drafts.flow.<name>`; every registered flow has one)."""
    return t(f"drafts.flow.{flow}")


def stale(session: Session, cutoff: datetime) -> list[Conversation]:
    """Drafts untouched since `cutoff` with no reminder since their last change."""
    return list(session.exec(select(Conversation).where(
        Conversation.updated_at <= cutoff,
        or_(Conversation.reminded_at.is_(None), Conversation.reminded_at < Conversation.updated_at),
    ).order_by(Conversation.person_id)).all())


def expiring(session: Session, now: datetime, remind_after: timedelta,
             expire_after: timedelta) -> list[Conversation]:
    """Reminded drafts untouched since the reminder, old enough on both counts to expire."""
    return list(session.exec(select(Conversation).where(
        Conversation.reminded_at.is_not(None),
        Conversation.reminded_at >= Conversation.updated_at,
        Conversation.reminded_at <= now - (expire_after - remind_after),
        Conversation.updated_at <= now - expire_after,
    ).order_by(Conversation.person_id)).all())


def remind(session: Session, services: Services, draft: Conversation, now: datetime) -> int:
    """Queue one reminder; the reminder counts from when quiet hours let it out."""
    person = session.get(Person, draft.person_id)
    t = services.catalogs.translator(person.locale if person else None)
    key = f"draft:{draft.person_id}:{draft.flow}:{draft.updated_at.isoformat()}"
    queue_push(session, services, draft.person_id, key,
               Reply(t("drafts.reminder", flow=flow_name(t, draft.flow))))
    settings = services.settings
    draft.reminded_at = next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end,
                                     settings.tz)
    session.add(draft)
    return 1


def expire(session: Session, services: Services, draft: Conversation) -> int:
    """Delete the draft unless it changed meanwhile, and tell its owner."""
    person_id, flow, touched = draft.person_id, draft.flow, draft.updated_at
    gone = session.execute(delete(Conversation).where(
        Conversation.person_id == person_id, Conversation.updated_at == touched))
    if not gone.rowcount:
        return 0
    person = session.get(Person, person_id)
    t = services.catalogs.translator(person.locale if person else None)
    queue_push(session, services, person_id, f"draft-expired:{person_id}:{flow}:"
               f"{touched.isoformat()}", Reply(t("drafts.expired", flow=flow_name(t, flow))))
    return 1


def sweep_stale_drafts(session: Session, services: Services,
                       remind_after: timedelta = REMIND_AFTER,
                       expire_after: timedelta = EXPIRE_AFTER) -> tuple[int, int]:
    """Expire reminded drafts, then remind the owners of stale ones; (reminded, expired)."""
    now = services.clock.utcnow()
    expired = sum(expire(session, services, d)
                  for d in expiring(session, now, remind_after, expire_after))
    reminded = sum(remind(session, services, d, now) for d in stale(session, now - remind_after))
    return reminded, expired


def run_draft_sweep(engine: Engine, services: Services) -> tuple[int, int]:
    """The scheduled job: one draft sweep in one transaction."""
    with unit_of_work(engine) as session:
        reminded, expired = sweep_stale_drafts(session, services)
    if reminded or expired:
        log.info("draft sweep: reminded=%d expired=%d", reminded, expired)
    return reminded, expired

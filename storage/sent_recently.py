"""Pushes sent lately on one channel, so a restarted worker still keeps per-person limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_
from sqlmodel import Session, select

from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus


def sent_since(session: Session, channel: str,
               since: datetime) -> list[tuple[str, dict, datetime]]:
    """(account, payload, sent_at) of the pushes sent on `channel` since `since`, oldest first."""
    rows = session.exec(
        select(ChannelIdentity.external_id, OutboxMessage.payload, OutboxMessage.sent_at)
        .join(ChannelIdentity, and_(ChannelIdentity.person_id == OutboxMessage.person_id,
                                    ChannelIdentity.channel == channel))
        .where(OutboxMessage.channel == channel, OutboxMessage.status == OutboxStatus.SENT,
               OutboxMessage.sent_at >= since)
        .order_by(OutboxMessage.sent_at))
    return [(account, payload, sent_at) for account, payload, sent_at in rows]

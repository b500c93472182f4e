"""The WeCom AI-bot connection lease: one row per bot decides which process holds the socket.

WeCom keeps one long connection per bot and a new one kicks the old, so replicas must never
both connect. Taking the lease is one conditional statement (insert-if-absent, else update
where it is ours or expired), so two processes deciding at once cannot both win.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Field, Session, SQLModel

from storage.outbox import INSERTS


class WeComBotLease(SQLModel, table=True):
    """Who holds a bot's long connection, until when (renewed while connected)."""

    __tablename__ = "wecom_bot_lease"

    bot_id: str = Field(max_length=80, primary_key=True)
    holder: str = Field(max_length=80)
    expires_at: datetime
    kicked_at: datetime | None = None  # WeCom replaced our connection with another's


def take(session: Session, bot_id: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease for `ttl`; True when `holder` holds it now.

    Free (no row), expired, or already ours: it becomes ours; held by a live other: refused.
    """
    table = WeComBotLease.__table__
    insert = INSERTS[session.get_bind().dialect.name]
    row = {"bot_id": bot_id, "holder": holder, "expires_at": now + ttl}
    inserted = session.execute(insert(table).values(**row).on_conflict_do_nothing(
        index_elements=["bot_id"]).returning(table.c.bot_id)).first()
    if inserted is not None:
        return True
    return (session.execute(update(table).where(
        table.c.bot_id == bot_id,
        or_(table.c.holder == holder, table.c.expires_at < now)).values(
        holder=holder, expires_at=now + ttl)).rowcount or 0) == 1


def release(session: Session, bot_id: str, holder: str, now: datetime,
            kicked: bool = False) -> bool:
    """Give the lease up at once (it expires now) if `holder` holds it; True if it did."""
    table = WeComBotLease.__table__
    values = {"expires_at": now - timedelta(seconds=1)}
    if kicked:
        values["kicked_at"] = now
    return (session.execute(update(table).where(
        table.c.bot_id == bot_id, table.c.holder == holder).values(**values)).rowcount or 0) == 1


def holder_of(session: Session, bot_id: str, now: datetime) -> str | None:
    """Who holds the lease now (None when free or expired)."""
    lease = session.get(WeComBotLease, bot_id)
    if lease is None or _aware(lease.expires_at) < now:
        return None
    return lease.holder


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

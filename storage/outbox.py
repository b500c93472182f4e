"""The durable outbox: every push is a row with a unique dedupe key, sent by a worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.models import OutboxMessage, OutboxStatus

STALE_CLAIM = timedelta(minutes=5)
INSERT_BATCH = 1000
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class NewPush:
    """A push to queue: its dedupe key, addressee, serialised reply and earliest send time."""

    dedupe_key: str
    person_id: int
    payload: dict
    not_before: datetime


def enqueue(session: Session, dedupe_key: str, person_id: int, payload: dict,
            now: datetime, not_before: datetime | None = None) -> bool:
    """Add a push unless one with this key exists; True when a row was added."""
    return enqueue_many(session, [NewPush(dedupe_key, person_id, payload, not_before or now)],
                        now) == 1


def enqueue_many(session: Session, pushes: Sequence[NewPush], now: datetime) -> int:
    """Insert-if-absent at the database (ON CONFLICT DO NOTHING), in bulk; rows added.

    Two processes queuing the same key at once is harmless: one row wins, the other is skipped.
    """
    insert = INSERTS[session.get_bind().dialect.name]
    statement = insert(OutboxMessage.__table__).on_conflict_do_nothing(
        index_elements=["dedupe_key"]).returning(OutboxMessage.__table__.c.id)
    added = 0
    for start in range(0, len(pushes), INSERT_BATCH):
        rows = [{"dedupe_key": p.dedupe_key, "person_id": p.person_id, "payload": p.payload,
                 "status": OutboxStatus.PENDING.value, "attempts": 0,
                 "not_before": p.not_before, "created_at": now}
                for p in pushes[start:start + INSERT_BATCH]]
        added += len(session.execute(statement, rows).all())
    return added


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[OutboxMessage]:
    """Claim rows that are due (or whose earlier claim went stale) for sending."""
    due = (
        select(OutboxMessage)
        .where(OutboxMessage.not_before <= now, or_(
            OutboxMessage.status == OutboxStatus.PENDING,
            (OutboxMessage.status == OutboxStatus.SENDING)
            & (OutboxMessage.claimed_at < now - STALE_CLAIM),
        ))
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.exec(due).all())
    for row in rows:
        row.status, row.claimed_at = OutboxStatus.SENDING, now
        session.add(row)
    return rows


def mark_sent(session: Session, message_id: int, channel: str, now: datetime) -> None:
    """Record a successful delivery."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        status=OutboxStatus.SENT, sent_at=now, channel=channel, last_error=None))


def mark_retry(session: Session, message_id: int, error: str, at: datetime) -> None:
    """Put a row back for another try at `at`."""
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status, row.not_before, row.claimed_at = OutboxStatus.PENDING, at, None
        row.attempts, row.last_error = row.attempts + 1, error[:500]
        session.add(row)


def mark_failed(session: Session, message_id: int, error: str) -> None:
    """Give up on a row for good."""
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status, row.attempts = OutboxStatus.FAILED, row.attempts + 1
        row.last_error = error[:500]
        session.add(row)


def mark_cancelled(session: Session, message_id: int, why: str) -> None:
    """Never send this row (its addressee was deactivated)."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        status=OutboxStatus.CANCELLED, last_error=why[:500]))


def by_key_prefix(session: Session, prefix: str) -> list[OutboxMessage]:
    """Rows whose dedupe key starts with `prefix`, oldest first."""
    return list(session.exec(select(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(prefix)).order_by(OutboxMessage.id)).all())

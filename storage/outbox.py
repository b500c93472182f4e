"""The durable outbox: every push is a row with a unique dedupe key, sent by a worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from storage.models import OutboxMessage, OutboxStatus
from storage.outbox_signal import mark_queued

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
    if added:
        mark_queued(session)
    return added


def _claimable(now: datetime):
    return OutboxMessage.not_before <= now, or_(
        OutboxMessage.status == OutboxStatus.PENDING,
        (OutboxMessage.status == OutboxStatus.SENDING)
        & (OutboxMessage.claimed_at < now - STALE_CLAIM))


def claim_due(session: Session, now: datetime, limit: int = 50,
              token: str = "worker") -> list[OutboxMessage]:
    """Claim rows that are due (or whose earlier claim went stale) under `token`.

    One conditional UPDATE: on PostgreSQL the rows are picked FOR UPDATE SKIP LOCKED, so two
    workers drain one outbox side by side; on SQLite the condition is checked again as the row
    is updated. Either way a row claimed by one worker is never claimed by another.
    """
    due = select(OutboxMessage.id.label("id")).where(*_claimable(now)).order_by(
        OutboxMessage.not_before, OutboxMessage.id).limit(limit)
    postgres = session.get_bind().dialect.name == "postgresql"
    # A CTE, materialized: as a subquery in the WHERE, PostgreSQL may run the LIMIT … SKIP
    # LOCKED pick more than once and claim more rows than asked for.
    picked = (due.with_for_update(skip_locked=True) if postgres else due).cte("picked")
    if postgres:
        picked = picked.prefix_with("MATERIALIZED")
    claimed = session.execute(update(OutboxMessage).where(
        OutboxMessage.id == picked.c.id, *_claimable(now)).values(
        status=OutboxStatus.SENDING, claimed_at=now, claim_token=token)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)).scalars()
    ids = list(claimed)
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(
        OutboxMessage.not_before, OutboxMessage.id)).all()) if ids else []


def mark_sent_many(session: Session, ids: Sequence[int], token: str, channels: dict[int, str],
                   now: datetime) -> int:
    """Record deliveries (only of rows still claimed by `token`); how many were recorded."""
    done = 0
    for channel in set(channels.values()):
        mine = [i for i in ids if channels.get(i) == channel]
        done += session.execute(update(OutboxMessage).where(
            OutboxMessage.id.in_(mine), OutboxMessage.claim_token == token).values(
            status=OutboxStatus.SENT, sent_at=now, channel=channel, last_error=None)
            .execution_options(synchronize_session=False)).rowcount or 0
    return done


def record_progress(session: Session, message_id: int, token: str, parts_sent: int,
                    now: datetime) -> None:
    """Remember how many parts of a multi-part push went out (the claim is fresh again)."""
    session.execute(update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.claim_token == token).values(
        parts_sent=parts_sent, claimed_at=now).execution_options(synchronize_session=False))


def release(session: Session, ids: Sequence[int], token: str) -> int:
    """Give claimed rows back unsent (the channel is paused); how many."""
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.id.in_(list(ids)), OutboxMessage.claim_token == token,
        OutboxMessage.status == OutboxStatus.SENDING).values(
        status=OutboxStatus.PENDING, claim_token=None, claimed_at=None)
        .execution_options(synchronize_session=False)).rowcount or 0


def claims_of_host(session: Session, host: str) -> list[str]:
    """Claim tokens of rows being sent by workers of this host (`host/pid/random`)."""
    return list(session.exec(select(OutboxMessage.claim_token).where(
        OutboxMessage.status == OutboxStatus.SENDING,
        OutboxMessage.claim_token.startswith(f"{host}/")).distinct()).all())


def release_claims(session: Session, tokens: Sequence[str]) -> int:
    """Put the rows of these (dead) workers' claims back; how many."""
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.claim_token.in_(list(tokens)),
        OutboxMessage.status == OutboxStatus.SENDING).values(
        status=OutboxStatus.PENDING, claim_token=None, claimed_at=None)
        .execution_options(synchronize_session=False)).rowcount or 0


def wake_person(session: Session, person_id: int, now: datetime) -> int:
    """Make a person's waiting pushes due now (they wrote to the bot again); how many."""
    return session.execute(update(OutboxMessage).where(
        OutboxMessage.person_id == person_id, OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.not_before > now).values(not_before=now)
        .execution_options(synchronize_session=False)).rowcount or 0


def mark_sent(session: Session, message_id: int, channel: str, now: datetime) -> None:
    """Record a successful delivery."""
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
        status=OutboxStatus.SENT, sent_at=now, channel=channel, last_error=None))


def mark_retry(session: Session, message_id: int, error: str, at: datetime,
               count_attempt: bool = True) -> None:
    """Put a row back for another try at `at` (a rate limit is not counted as an attempt)."""
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status, row.not_before, row.claimed_at = OutboxStatus.PENDING, at, None
        row.attempts, row.last_error = row.attempts + count_attempt, error[:500]
        row.claim_token = None
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

"""How far a notice got: delivery from the outbox rows' status, acknowledgements, per group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from storage.models import OutboxMessage, OutboxStatus, Person
from storage.notice_models import Notice, NoticeRecipient
from storage.notices import original_key


@dataclass
class Tally:
    """Recipients of one group (or township) by what became of the notice sent to them."""

    total: int = 0
    delivered: int = 0
    failed: int = 0
    cancelled: int = 0
    acknowledged: int = 0

    def add(self, other: Tally) -> None:
        """Count `other` in too."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Waiting:
    """Someone who has not acknowledged: their group (or township), name, and push status."""

    bucket: int | str | None
    name: str
    status: str | None


def _bucket(by_township: bool):
    return Person.township if by_township else NoticeRecipient.group_id


def tallies(session: Session, notice_id: int, by_township: bool) -> dict:
    """Per group id (or township): recipients, delivered, failed, cancelled, acknowledged, in
    one query joining each recipient to the outbox row of the notice sent to them.
    """
    bucket, acked = _bucket(by_township), NoticeRecipient.acknowledged_at.is_not(None)
    rows = session.exec(
        select(bucket, OutboxMessage.status, acked, func.count())
        .select_from(NoticeRecipient).join(Person, Person.id == NoticeRecipient.person_id)
        .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == original_key())
        .where(NoticeRecipient.notice_id == notice_id)
        .group_by(bucket, OutboxMessage.status, acked)).all()
    found: dict = {}
    for key, status, acknowledged, count in rows:
        tally = found.setdefault(key, Tally())
        tally.total += count
        tally.acknowledged += count if acknowledged else 0
        tally.delivered += count if acknowledged or status == OutboxStatus.SENT else 0
        tally.failed += count if status == OutboxStatus.FAILED and not acknowledged else 0
        tally.cancelled += count if status == OutboxStatus.CANCELLED else 0
    return found


def waiting(session: Session, notice_id: int, by_township: bool,
            per_bucket: int) -> list[Waiting]:
    """Active recipients who have not acknowledged, at most `per_bucket` of each group (or
    township), by name.
    """
    bucket = _bucket(by_township)
    rank = func.row_number().over(partition_by=bucket, order_by=(Person.name, Person.id))
    inner = (select(bucket.label("bucket"), Person.name.label("name"),
                    OutboxMessage.status.label("status"), rank.label("rank"))
             .select_from(NoticeRecipient).join(Person, Person.id == NoticeRecipient.person_id)
             .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == original_key())
             .where(NoticeRecipient.notice_id == notice_id,
                    NoticeRecipient.acknowledged_at.is_(None), Person.active).subquery())
    rows = session.exec(select(inner.c.bucket, inner.c.name, inner.c.status)
                        .where(inner.c.rank <= per_bucket)
                        .order_by(inner.c.bucket, inner.c.rank)).all()
    return [Waiting(*row) for row in rows]


def listed(session: Session, author_id: int | None, limit: int) -> list[Notice]:
    """Notices newest first: one author's, or everyone's when `author_id` is None."""
    query = select(Notice).order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)
    if author_id is not None:
        query = query.where(Notice.author_id == author_id)
    return list(session.exec(query).all())


def acknowledged_counts(session: Session, notice_ids: Sequence[int]) -> dict[int, tuple]:
    """Notice id → (acknowledged, recipients), for a list of notices."""
    if not notice_ids:
        return {}
    acked = func.count(NoticeRecipient.acknowledged_at)
    rows = session.exec(select(NoticeRecipient.notice_id, acked, func.count())
                        .where(NoticeRecipient.notice_id.in_(list(notice_ids)))
                        .group_by(NoticeRecipient.notice_id)).all()
    return {notice_id: (done, total) for notice_id, done, total in rows}

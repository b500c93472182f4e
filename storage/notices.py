"""Queries about notices: the audience, recipients in bulk, acknowledgement, withdrawal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, String, cast, func, insert, literal, null, update
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, select

from storage.models import Membership, OutboxMessage, OutboxStatus, Person
from storage.notice_models import AudienceKind, Notice, NoticeFile, NoticeRecipient

KEY = "notice:{id}:"  # the prefix of every outbox key of a notice


def key_prefix(notice_id: int) -> str:
    """`notice:<id>:`: the notice itself is `<prefix><person id>`; re-pings and the withdrawal
    are `<prefix>reping:<n>:<person id>` and `<prefix>withdrawn:<person id>`.
    """
    return KEY.format(id=notice_id)


def original_key(recipient=NoticeRecipient) -> ColumnElement:
    """SQL for the outbox key of the notice as first sent to a recipient row."""
    return (literal("notice:", String) + cast(recipient.notice_id, String) + literal(":")
            + cast(recipient.person_id, String))


def audience_query(audience: dict, author_id: int) -> Select:
    """(person id, group id) of everyone active the audience names, each once, not the author.

    Groups: members of the chosen groups, with the first chosen group they are in. Levels,
    townships, everyone: delegates (people with a level), with no group.
    """
    kind, values = AudienceKind(audience["kind"]), list(audience.get("values") or [])
    if kind is AudienceKind.GROUPS:
        query = (select(Membership.person_id.label("person_id"),
                        func.min(Membership.group_id).label("group_id"))
                 .join(Person, Person.id == Membership.person_id)
                 .where(Membership.group_id.in_(values))
                 .group_by(Membership.person_id))
    else:
        query = select(Person.id.label("person_id"), cast(null(), Integer).label("group_id")
                       ).where(Person.level.is_not(None))
        if kind is AudienceKind.LEVELS:
            query = query.where(Person.level.in_(values))
        elif kind is AudienceKind.TOWNSHIPS:
            query = query.where(Person.township.in_(values))
    return query.where(Person.active, Person.id != author_id)


def count_audience(session: Session, audience: dict, author_id: int) -> int:
    """How many people the audience reaches now (the preview's count is the real one)."""
    chosen = audience_query(audience, author_id).subquery()
    return session.exec(select(func.count()).select_from(chosen)).one()


def create(session: Session, author_id: int, text: str, audience: dict, urgent: bool,
           now: datetime, files: Sequence[Sequence[str]]) -> Notice:
    """Insert the notice and its files ([sha256, ext, kind] each)."""
    notice = Notice(author_id=author_id, text=text, audience=audience, urgent=urgent,
                    created_at=now)
    session.add(notice)
    session.flush()
    session.add_all([NoticeFile(notice_id=notice.id, sha256=sha, ext=ext, kind=kind,
                                position=n) for n, (sha, ext, kind) in enumerate(files)])
    return notice


def add_recipients(session: Session, notice: Notice) -> int:
    """One recipient row per person of the audience, in one INSERT … SELECT; how many."""
    chosen = audience_query(notice.audience, notice.author_id).subquery()
    rows = select(literal(notice.id), *chosen.c)
    statement = insert(NoticeRecipient).from_select(["notice_id", "person_id", "group_id"], rows)
    return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def recipients(session: Session, notice_id: int, *where) -> list[tuple[int, str | None]]:
    """(person id, locale) of the notice's active recipients matching `where`, by person."""
    return list(session.exec(
        select(Person.id, Person.locale).join(NoticeRecipient,
                                              NoticeRecipient.person_id == Person.id)
        .where(NoticeRecipient.notice_id == notice_id, Person.active, *where)
        .order_by(Person.id)).all())


def files_of(session: Session, notice_id: int) -> list[NoticeFile]:
    """The notice's files in the order they were sent."""
    return list(session.exec(select(NoticeFile).where(NoticeFile.notice_id == notice_id)
                             .order_by(NoticeFile.position, NoticeFile.id)).all())


def acknowledge(session: Session, notice_id: int, person_id: int, now: datetime) -> bool:
    """Record the acknowledgement once, at the database; True only for the first one."""
    done = session.execute(update(NoticeRecipient).where(
        NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id == person_id,
        NoticeRecipient.acknowledged_at.is_(None),
    ).values(acknowledged_at=now, delivered_at=func.coalesce(NoticeRecipient.delivered_at, now))
        .execution_options(synchronize_session=False))
    return done.rowcount == 1


def withdraw(session: Session, notice_id: int, now: datetime) -> bool:
    """Mark the notice withdrawn unless it already is; True when this call withdrew it."""
    done = session.execute(update(Notice).where(
        Notice.id == notice_id, Notice.withdrawn_at.is_(None)).values(withdrawn_at=now)
        .execution_options(synchronize_session=False))
    return done.rowcount == 1


def cancel_pending(session: Session, notice_id: int) -> int:
    """Cancel every push of the notice not yet claimed by the delivery worker; how many."""
    done = session.execute(update(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith(key_prefix(notice_id)),
        OutboxMessage.status == OutboxStatus.PENDING.value,
    ).values(status=OutboxStatus.CANCELLED.value, last_error="notice withdrawn")
        .execution_options(synchronize_session=False))
    return done.rowcount or 0


def had_it(session: Session, notice_id: int) -> list[tuple[int, str | None]]:
    """(person id, locale) of recipients the notice went out to (sent, or being sent)."""
    gone = [OutboxStatus.SENT.value, OutboxStatus.SENDING.value]
    return list(session.exec(
        select(Person.id, Person.locale)
        .join(NoticeRecipient, NoticeRecipient.person_id == Person.id)
        .join(OutboxMessage, OutboxMessage.dedupe_key == original_key())
        .where(NoticeRecipient.notice_id == notice_id, OutboxMessage.status.in_(gone),
               Person.active).order_by(Person.id)).all())


def claim_reping(session: Session, notice_id: int, number: int) -> bool:
    """Take re-ping `number` by hand: only when the last one was `number - 1` and the notice
    stands (a double tap, or two people at once, re-ping once).
    """
    done = session.execute(update(Notice).where(
        Notice.id == notice_id, Notice.repings == number - 1, Notice.withdrawn_at.is_(None),
    ).values(repings=number).execution_options(synchronize_session=False))
    return done.rowcount == 1


def sync_deliveries(session: Session, notice_ids: Sequence[int]) -> int:
    """Copy the outbox's send time to recipients whose notice went out; how many."""
    if not notice_ids:
        return 0
    sent = select(OutboxMessage.sent_at).where(
        OutboxMessage.dedupe_key == original_key(),
        OutboxMessage.status == OutboxStatus.SENT.value).scalar_subquery()
    done = session.execute(update(NoticeRecipient).where(
        NoticeRecipient.notice_id.in_(list(notice_ids)), NoticeRecipient.delivered_at.is_(None),
        sent.is_not(None)).values(delivered_at=sent)
        .execution_options(synchronize_session=False))
    return done.rowcount or 0


def unacknowledged(notice_id: int, delivered_before: datetime | None = None,
                   never_reminded: bool = False) -> list:
    """Conditions for recipients a re-ping is for: delivered, not acknowledged (delivered
    before a moment, never reminded, when asked).
    """
    where = [NoticeRecipient.notice_id == notice_id, NoticeRecipient.acknowledged_at.is_(None),
             NoticeRecipient.delivered_at.is_not(None)]
    if delivered_before is not None:
        where.append(NoticeRecipient.delivered_at <= delivered_before)
    if never_reminded:
        where.append(NoticeRecipient.reminded_at.is_(None))
    return where


def mark_reminded(session: Session, where: list, now: datetime) -> int:
    """Stamp the re-ping on the recipients matching `where` (the same conditions that chose
    them, in the same transaction); how many.
    """
    done = session.execute(update(NoticeRecipient).where(*where).values(reminded_at=now)
                           .execution_options(synchronize_session=False))
    return done.rowcount or 0


def standing_since(session: Session, since: datetime) -> list[int]:
    """Ids of notices sent since `since` and not withdrawn, oldest first."""
    return list(session.exec(select(Notice.id).where(
        Notice.created_at >= since, Notice.withdrawn_at.is_(None)).order_by(Notice.id)).all())

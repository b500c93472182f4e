"""Chat accounts bound to people, and the dedupe record of handled updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import ChannelIdentity, Person, ProcessedUpdate


def resolve(session: Session, channel: str, external_id: str) -> Person | None:
    """The active person bound to this chat account, if any (a deactivated one is a stranger)."""
    return session.exec(
        select(Person).join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id,
               Person.active)
    ).first()


def bind(session: Session, channel: str, external_id: str, person_id: int, now: datetime) -> None:
    """Bind (or re-bind) a chat account to a person."""
    row = session.exec(select(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)).first()
    if row is None:
        row = ChannelIdentity(channel=channel, external_id=external_id, person_id=person_id,
                              bound_at=now)
    row.person_id, row.bound_at = person_id, now
    session.add(row)


def addresses_of(session: Session, person_id: int) -> dict[str, str]:
    """The person's chat accounts that can be reached, channel → external id."""
    rows = session.exec(select(ChannelIdentity).where(
        ChannelIdentity.person_id == person_id, ChannelIdentity.unreachable_since.is_(None)))
    return {row.channel: row.external_id for row in rows}


def addresses_of_many(session: Session, person_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """`addresses_of` for many people in one query."""
    found: dict[int, dict[str, str]] = {pid: {} for pid in person_ids}
    for row in session.exec(select(ChannelIdentity).where(
            ChannelIdentity.person_id.in_(list(person_ids)),
            ChannelIdentity.unreachable_since.is_(None))):
        found[row.person_id][row.channel] = row.external_id
    return found


def mark_unreachable(session: Session, channel: str, external_id: str, now: datetime,
                     reason: str) -> None:
    """This chat account cannot be reached (blocked the bot, gone) until its owner writes."""
    session.execute(update(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id,
        ChannelIdentity.unreachable_since.is_(None)).values(
        unreachable_since=now, unreachable_reason=reason[:200]))


def mark_reachable(session: Session, channel: str, external_id: str) -> int | None:
    """The account's owner wrote: reachable again; their person id if it was unreachable."""
    row = session.exec(select(ChannelIdentity).where(
        ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id,
        ChannelIdentity.unreachable_since.is_not(None))).first()
    if row is None:
        return None
    row.unreachable_since, row.unreachable_reason = None, None
    session.add(row)
    return row.person_id


def unreachable_since(session: Session, since: datetime) -> list[tuple[Person, str, str]]:
    """People whose accounts became unreachable since `since`: (person, channel, reason)."""
    return list(session.exec(
        select(Person, ChannelIdentity.channel, ChannelIdentity.unreachable_reason)
        .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
        .where(ChannelIdentity.unreachable_since >= since).order_by(Person.name)).all())


def is_bound(session: Session, person_id: int) -> bool:
    """True when the person has bound at least one chat account."""
    query = select(ChannelIdentity.id).where(ChannelIdentity.person_id == person_id)
    return session.exec(query).first() is not None


def first_time_seen(session: Session, channel: str, update_key: str, now: datetime) -> bool:
    """Record an update; False when it was handled before (a redelivery)."""
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_key=update_key, at=now))
            session.flush()
    except IntegrityError:
        return False
    return True

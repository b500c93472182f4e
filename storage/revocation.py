"""Taking access back: a deactivated person is a stranger to the bot and gets no more pushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session

from storage import audit
from storage.models import Conversation, Invite, OutboxMessage, OutboxStatus, Person


@dataclass(frozen=True)
class Deactivation:
    """What deactivating someone cancelled."""

    pushes_cancelled: int
    invites_expired: int
    draft_ended: bool


def deactivate(session: Session, person: Person, now: datetime,
               actor_id: int | None) -> Deactivation:
    """Mark the person inactive; cancel their pending pushes, unused invites and open dialog."""
    person.active = False
    session.add(person)
    pushes = session.execute(update(OutboxMessage).where(
        OutboxMessage.person_id == person.id,
        OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]),
    ).values(status=OutboxStatus.CANCELLED.value, last_error="person deactivated")).rowcount
    invites = session.execute(update(Invite).where(
        Invite.person_id == person.id, Invite.redeemed_at.is_(None), Invite.expires_at > now,
    ).values(expires_at=now)).rowcount
    draft = session.execute(delete(Conversation).where(
        Conversation.person_id == person.id)).rowcount
    audit.record(session, now, actor_id, "person_deactivated", subject_type="person",
                 subject_id=person.id, note=person.name)
    return Deactivation(pushes or 0, invites or 0, bool(draft))


def activate(session: Session, person: Person, now: datetime, actor_id: int | None) -> None:
    """Let the person use the bot again (their bound chat accounts work at once)."""
    person.active = True
    session.add(person)
    audit.record(session, now, actor_id, "person_activated", subject_type="person",
                 subject_id=person.id, note=person.name)

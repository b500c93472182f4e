"""Who has not written to the WeCom AI bot yet: WeCom lets the bot push only to those who have.

Writing once binds the member's account on the AI-bot channel, so "has written" is "has an
AI-bot identity"; pushes to the others wait in the outbox as not yet reachable.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from storage.models import ChannelIdentity, OutboxMessage, OutboxStatus, Person

AIBOT_CHANNEL = "wecom_bot"  # the identity channel name of the AI bot


@dataclass(frozen=True)
class Silent:
    """A member who has not written to the bot yet, and how many pushes wait for them."""

    person: Person
    waiting: int


def not_yet_written(session: Session) -> list[Silent]:
    """Active people without an AI-bot identity, by name, with their waiting pushes."""
    written = select(ChannelIdentity.person_id).where(ChannelIdentity.channel == AIBOT_CHANNEL)
    people = session.exec(select(Person).where(Person.active, Person.id.not_in(written))
                          .order_by(Person.name, Person.id)).all()
    waiting = dict(session.exec(
        select(OutboxMessage.person_id, func.count()).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.person_id.in_([p.id for p in people]))
        .group_by(OutboxMessage.person_id)).all()) if people else {}
    return [Silent(person, waiting.get(person.id, 0)) for person in people]

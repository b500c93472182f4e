"""The multi-step flow each person is in, kept in the database so it survives restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session

from storage.models import Conversation


def current(session: Session, person_id: int) -> Conversation | None:
    """The person's open conversation, if any."""
    return session.get(Conversation, person_id)


def start(session: Session, person_id: int, flow: str, state: str, now: datetime,
          data: dict | None = None) -> Conversation:
    """Begin a flow, replacing any open one."""
    conversation = session.get(Conversation, person_id) or Conversation(
        person_id=person_id, flow=flow, state=state, updated_at=now)
    conversation.flow, conversation.state = flow, state
    conversation.data = dict(data or {})
    conversation.updated_at, conversation.reminded_at = now, None
    session.add(conversation)
    return conversation


def save(session: Session, conversation: Conversation, now: datetime) -> None:
    """Persist a changed state or draft."""
    conversation.updated_at = now
    flag_modified(conversation, "data")  # the draft is edited in place; make sure it is written
    session.add(conversation)


def finish(session: Session, person_id: int) -> bool:
    """End the person's conversation; True if there was one."""
    conversation = session.get(Conversation, person_id)
    if conversation is None:
        return False
    session.delete(conversation)
    return True

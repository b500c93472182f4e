"""The append-only audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, select

from storage.models import AuditEntry


def record(session: Session, at: datetime, actor_id: int | None, action: str, *,
           subject_type: str = "", subject_id: int | None = None,
           from_state: str | None = None, to_state: str | None = None, note: str = "") -> None:
    """Append one entry."""
    session.add(AuditEntry(at=at, actor_id=actor_id, action=action, subject_type=subject_type,
                           subject_id=subject_id, from_state=from_state, to_state=to_state,
                           note=note[:2000]))


def record_many(session: Session, at: datetime, action: str, subject_type: str,
                subjects: Sequence[tuple[int, str | None, str]]) -> None:
    """Append one entry per (subject id, state, note), by the system, in one statement."""
    if subjects:
        session.execute(insert(AuditEntry.__table__), [
            {"at": at, "actor_id": None, "action": action, "subject_type": subject_type,
             "subject_id": subject_id, "from_state": state, "to_state": state,
             "note": note[:2000]} for subject_id, state, note in subjects])


def entries_for(session: Session, subject_type: str, subject_id: int,
                actions: Sequence[str] | None = None) -> list[AuditEntry]:
    """A subject's history, oldest first; only these actions when given."""
    query = select(AuditEntry).where(AuditEntry.subject_type == subject_type,
                                     AuditEntry.subject_id == subject_id)
    if actions is not None:
        query = query.where(AuditEntry.action.in_(list(actions)))
    return list(session.exec(query.order_by(AuditEntry.at, AuditEntry.id)).all())


def entries_by_action(session: Session, action: str) -> list[AuditEntry]:
    """Every entry of one kind of action, oldest first."""
    return list(session.exec(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all())

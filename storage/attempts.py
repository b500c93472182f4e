"""Attempts counted in the database (invite codes tried per chat account), so limits hold
across restarts and processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from storage.models import Attempt

KEEP = timedelta(days=2)  # longer than any window a limit looks back over


def recent(session: Session, kind: str, account: str, since: datetime) -> int:
    """How many attempts of `kind` this account made since `since`."""
    return session.exec(select(func.count()).select_from(Attempt).where(
        Attempt.kind == kind, Attempt.account == account, Attempt.at >= since)).one()


def record(session: Session, kind: str, account: str, at: datetime) -> None:
    """Count one attempt."""
    session.add(Attempt(kind=kind, account=account[:100], at=at))


def purge(session: Session, before: datetime) -> int:
    """Forget attempts older than `before`; how many were forgotten."""
    return session.execute(delete(Attempt).where(Attempt.at < before)).rowcount or 0


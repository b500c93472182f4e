"""Scheduled jobs as plain functions with explicit inputs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from storage import attempts
from storage.db import unit_of_work
from storage.models import ProcessedUpdate

KEEP_PROCESSED_UPDATES = timedelta(days=7)


def purge_attempts(engine: Engine, now: datetime) -> int:
    """Forget rate-limit attempts older than any window looks back over."""
    with unit_of_work(engine) as session:
        return attempts.purge(session, now - attempts.KEEP)


def purge_processed_updates(engine: Engine, now: datetime) -> int:
    """Forget update ids older than a week (messengers never redeliver that late)."""
    with unit_of_work(engine) as session:
        result = session.exec(delete(ProcessedUpdate).where(
            ProcessedUpdate.at < now - KEEP_PROCESSED_UPDATES))
        return result.rowcount or 0

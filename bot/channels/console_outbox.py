"""What the console reads from the outbox: pushes held for later, and whether any are due."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import func, select

from bot.core.clock import Clock
from storage.db import unit_of_work
from storage.models import OutboxMessage, OutboxStatus, Person

if TYPE_CHECKING:
    from bot.delivery import DeliveryWorker

log = logging.getLogger("liandong.console")
ELLIPSIS = "…"


def one_line(text: str, limit: int) -> str:
    """The first line of `text`, at most `limit` characters; `…` ends it when more was cut."""
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    if len(first) > limit:
        return first[:limit - 1] + ELLIPSIS
    return first + ELLIPSIS if len(lines) > 1 else first


@dataclass(frozen=True)
class HeldPush:
    """A push waiting in the outbox for quiet hours to end."""

    name: str
    text: str
    not_before: datetime


class HeldPushes:
    """Tells each push held for later once: those queued since the console started."""

    def __init__(self, engine: Engine, since: datetime) -> None:
        self.engine, self.since = engine, since
        self.told: set[int] = set()

    def fresh(self, now: datetime) -> list[HeldPush]:
        """Held pushes not told yet, oldest first; remembers them as told."""
        with unit_of_work(self.engine, read_only=True) as session:
            rows = session.exec(
                select(OutboxMessage.id, Person.name, OutboxMessage.payload,
                       OutboxMessage.not_before)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.attempts == 0,  # a retry after a failure is not "held"
                       OutboxMessage.not_before > now, OutboxMessage.created_at >= self.since)
                .order_by(OutboxMessage.id)).all()
        fresh = [HeldPush(name, payload.get("text", ""), not_before)
                 for row_id, name, payload, not_before in rows if row_id not in self.told]
        self.told = {row[0] for row in rows}  # a row leaves for good once sent or cancelled
        return fresh


def due_count(engine: Engine, now: datetime) -> int:
    """Pushes waiting to be sent now."""
    with unit_of_work(engine, read_only=True) as session:
        return session.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= now)).one()


async def deliver_due(worker: DeliveryWorker, engine: Engine, clock: Clock) -> None:
    """Run the worker round after round until nothing is due, or a round gets nothing sent."""
    waiting = due_count(engine, clock.utcnow())
    while waiting:
        try:
            await worker.run_once()
        except Exception:  # the console goes on; the rows stay in the outbox for later
            log.exception("console delivery round failed")
            return
        left = due_count(engine, clock.utcnow())
        if left >= waiting:
            return
        waiting = left


def local_time(moment: datetime, now: datetime, zone) -> str:
    """`07:30` within a day from now, else `11-24 07:30`, in the deployment's time zone."""
    fmt = "%H:%M" if moment - now < timedelta(days=1) else "%m-%d %H:%M"
    return moment.astimezone(zone).strftime(fmt)

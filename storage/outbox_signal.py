"""Waking the delivery worker when pushes are queued, in this process and in every other one.

In this process at once, on commit; on PostgreSQL in every process (NOTIFY on commit, LISTEN in
the worker). Polling stays as the safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

log = logging.getLogger("liandong.delivery")
QUEUED = "liandong_outbox_queued"  # set on a connection whose transaction queued pushes
NOTIFY_CHANNEL = "liandong_outbox"


def mark_queued(session: Session) -> None:
    """Called when pushes were queued in this session's transaction: wake workers on commit."""
    connection = session.connection()
    connection.info[QUEUED] = True
    if connection.dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))  # delivered at commit, not before


class OutboxSignal:
    """In-process wake-ups for workers waiting on one engine's outbox."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._lock = threading.Lock()
        event.listen(engine, "commit", self._committed)

    def waiter(self) -> asyncio.Event:
        """An event set whenever pushes are queued (create it in the worker's loop)."""
        wake = asyncio.Event()
        with self._lock:
            self._waiters.append((asyncio.get_running_loop(), wake))
        return wake

    def fire(self) -> None:
        """Wake every waiting worker (thread-safe: sweeps commit from the scheduler's threads)."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, wake in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(wake.set)

    def _committed(self, connection: Connection) -> None:
        if connection.info.pop(QUEUED, False):
            self.fire()

    async def listen(self, stop: asyncio.Event) -> None:
        """On PostgreSQL, fire on every NOTIFY from any process until `stop` (else nothing)."""
        if self.engine.dialect.name != "postgresql":
            return
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    async for _ in conn.notifies():
                        self.fire()
            except (psycopg.Error, OSError) as exc:
                log.warning("outbox LISTEN connection lost (%s); polling meanwhile", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5)

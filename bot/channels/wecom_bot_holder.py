"""Hold the AI bot's one long connection across replicas, by the lease row in the database.

Only the process holding the lease connects (connecting would kick the holder's connection);
it renews the lease a few times per lease period and stops connecting as soon as a renewal
fails. A holder that dies stops renewing, so its lease expires and another process takes over.
When WeCom says another connection replaced ours, the holder releases the lease, records the
kick and logs an alert, and does not connect again: fighting back would kick the other one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage import wecom_bot_lease
from storage.db import unit_of_work

log = logging.getLogger("liandong.wecom_bot")
Connection = Callable[[asyncio.Event], Awaitable[str]]  # runs until the event: its outcome
RENEWALS_PER_PERIOD = 3


def holder_name() -> str:
    """This process, as the lease names it (host/pid/random)."""
    return f"{socket.gethostname()[:40]}/{os.getpid()}/{secrets.token_hex(3)}"


def wall_clock() -> datetime:
    """The real time: leases are about processes, never about a test's frozen clock."""
    return datetime.now(UTC)


class ConnectionHolder:
    """Runs the connection only while this process holds the bot's lease."""

    def __init__(self, engine: Engine, bot_id: str, ttl_seconds: float, connection: Connection,
                 holder: str | None = None, now: Callable[[], datetime] = wall_clock) -> None:
        self.engine, self.bot_id, self.connection = engine, bot_id, connection
        self.ttl = timedelta(seconds=ttl_seconds)
        self.holder, self.now = holder or holder_name(), now
        self.holding = asyncio.Event()
        self.outcome: str | None = None

    @property
    def renew_every(self) -> float:
        """Seconds between renewals: several per period, so one slow write does not lose it."""
        return self.ttl.total_seconds() / RENEWALS_PER_PERIOD

    async def run(self, stop: asyncio.Event) -> str:
        """Wait for the lease, hold the connection, repeat until stopped or replaced."""
        while not stop.is_set():
            if self._take():
                self.holding.set()
                outcome = "failed"
                try:
                    outcome = await self._hold(stop)
                finally:  # a refused secret too: the lease goes at once, not after expiring
                    self.holding.clear()
                    self._release(kicked=outcome == "replaced")
                if outcome == "replaced":
                    log.error("ALERT: WeCom replaced this bot's connection with another one "
                              "(another server or tool uses bot %s with the same secret). "
                              "Liandong stops using the WeCom AI bot here and does not fight "
                              "back; stop the other one, then restart Liandong.", self.bot_id)
                    self.outcome = outcome
                    return outcome
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.renew_every)
        self.outcome = "stopped"
        return "stopped"

    async def _hold(self, stop: asyncio.Event) -> str:
        """Run the connection while renewals succeed; its outcome ("lost" if the lease went)."""
        inner = asyncio.Event()
        lost = False

        async def renew() -> None:
            nonlocal lost
            while not inner.is_set():
                await asyncio.sleep(self.renew_every)
                if not self._take():
                    log.warning("WeCom AI-bot lease lost; closing the connection")
                    lost = True
                    inner.set()

        async def forward_stop() -> None:
            await stop.wait()
            inner.set()

        helpers = [asyncio.create_task(renew()), asyncio.create_task(forward_stop())]
        try:
            outcome = await self.connection(inner)
        finally:
            inner.set()
            for task in helpers:
                task.cancel()
        return "lost" if lost and outcome != "replaced" else outcome

    def _take(self) -> bool:
        try:
            with unit_of_work(self.engine) as session:
                return wecom_bot_lease.take(session, self.bot_id, self.holder, self.now(),
                                            self.ttl)
        except SQLAlchemyError as exc:
            log.warning("WeCom AI-bot lease not renewed (%s)", type(exc).__name__)
            return False

    def _release(self, kicked: bool) -> None:
        try:
            with unit_of_work(self.engine) as session:
                wecom_bot_lease.release(session, self.bot_id, self.holder, self.now(), kicked)
        except SQLAlchemyError as exc:  # it expires by itself
            log.warning("WeCom AI-bot lease not released (%s)", type(exc).__name__)

"""Updates of different people are handled at once; each person's one at a time, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any
from weakref import WeakValueDictionary

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates handled at once. Each one in hand holds a database connection for its transaction, so
# stay well below SQLAlchemy's default pool (5 + 10 overflow): a full pool blocks the event loop.
ACTIVE_UPDATES = 8
# Updates taken from Telegram and waiting for their turn (mostly behind the same person's).
WAITING_UPDATES = 256


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Waits for the sender's earlier updates before taking one of the active slots.

    PTB's own processor takes a slot first, so one person's album of photos, each waiting for
    the previous one, would fill every slot and stall everyone else.
    """

    def __init__(self, active: int = ACTIVE_UPDATES, waiting: int = WAITING_UPDATES) -> None:
        super().__init__(waiting)
        self.active = active
        self._slots = asyncio.Semaphore(active)
        self._senders: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handling after the sender's earlier updates, within the bound."""
        async with self._sender_lock(update), self._slots:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _sender_lock(self, update: object) -> asyncio.Lock:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            return asyncio.Lock()  # nobody to keep in order with
        lock = self._senders.get(user.id)
        if lock is None:
            lock = asyncio.Lock()
            self._senders[user.id] = lock
        return lock

"""Token buckets that keep a channel within its declared limits: in all, and per conversation.

A push waits for both; a direct reply to someone who just wrote takes from the overall bucket
without waiting (it may overdraw it, which slows the pushes that follow), so a broadcast never
holds a reply back, while the per-conversation limit still applies to both. (A 429, which
pauses the whole channel, is the worker's business: see bot/delivery.py.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.core.channel import ChannelLimits, Rate

MAX_CHATS = 100_000  # conversation buckets remembered before full ones are forgotten


class Bucket:
    """One rate: `capacity` tokens refilled at `rate` per second."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.capacity, self.rate = float(rate.count), rate.per_second
        self.tokens, self.updated = self.capacity, now

    def refill(self, now: float) -> None:
        """Add what the time since the last look has earned."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self) -> float:
        """Seconds until a whole token is there (after `refill`)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def full(self, now: float) -> bool:
        """True when the bucket has been idle long enough to be full again."""
        return self.tokens + (now - self.updated) * self.rate >= self.capacity


class ChannelGate:
    """The limits of one channel, shared by its replies and its pushes."""

    def __init__(self, limits: ChannelLimits, clock: Callable[[], float] = time.monotonic):
        self.limits, self.clock = limits, clock
        self.overall = Bucket(limits.overall, clock())
        self.chats: dict[str, list[Bucket]] = {}

    async def acquire(self, chat: str, reply: bool = False) -> None:
        """Wait until one more message to `chat` fits the limits, then count it."""
        while True:
            wait = self._wait(chat, reply)
            if wait <= 0:
                break
            await asyncio.sleep(wait)
        self.overall.tokens -= 1
        for bucket in self.chats[chat]:
            bucket.tokens -= 1

    def _wait(self, chat: str, reply: bool) -> float:
        now = self.clock()
        buckets = self._chat(chat, now)
        self.overall.refill(now)
        for bucket in buckets:
            bucket.refill(now)
        waits = [bucket.wait() for bucket in buckets]
        if not reply:
            waits.append(self.overall.wait())
        return max(waits, default=0.0)

    def _chat(self, chat: str, now: float) -> list[Bucket]:
        buckets = self.chats.get(chat)
        if buckets is None:
            if len(self.chats) >= MAX_CHATS:
                self.chats = {key: value for key, value in self.chats.items()
                              if not all(bucket.full(now) for bucket in value)}
            buckets = self.chats[chat] = [Bucket(rate, now) for rate in self.limits.per_chat]
        return buckets

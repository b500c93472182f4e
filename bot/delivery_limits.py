"""Sliding windows that keep a channel within its declared limits: in all, and per conversation.

Messengers count messages per window ("30 a second", "30 a minute and 1,000 an hour to one
member"), so each limit is a sliding window of send times: a message goes when fewer than
`count` went in the last `seconds`. A push waits for every window; a direct reply to someone
who just wrote does not wait for the overall window (it still counts in it, which slows the
pushes that follow), so a broadcast never holds a reply back, while the per-conversation limit
still applies to both. (A 429, which pauses the whole channel, is the worker's business.)
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable

from bot.core.channel import ChannelLimits, Rate

MAX_CHATS = 100_000  # conversations remembered before idle ones are forgotten


class Window:
    """At most `rate.count` sends in any `rate.seconds`; with `rate.burst`, spread out too."""

    def __init__(self, rate: Rate) -> None:
        self.count, self.seconds = int(rate.count), rate.seconds
        self.sent: collections.deque[float] = collections.deque()
        self.burst, self.spacing = rate.burst, rate.seconds / rate.count
        self.credit, self.updated = float(rate.burst or 0), 0.0  # the smoothing bucket

    def wait(self, now: float) -> float:
        """Seconds until one more send fits (0: now)."""
        while self.sent and now - self.sent[0] >= self.seconds:
            self.sent.popleft()
        full = 0.0 if len(self.sent) < self.count else \
            self.sent[len(self.sent) - self.count] + self.seconds - now
        return max(full, self._spread_wait(now))

    def record(self, now: float) -> None:
        """Count a send."""
        self.sent.append(now)
        if self.burst:
            self._refill(now)
            self.credit -= 1

    def _refill(self, now: float) -> None:
        self.credit = min(self.burst, self.credit + (now - self.updated) / self.spacing)
        self.updated = now

    def _spread_wait(self, now: float) -> float:
        if not self.burst:
            return 0.0
        self._refill(now)
        return 0.0 if self.credit >= 1 else (1 - self.credit) * self.spacing

    def idle(self, now: float) -> bool:
        """True when nothing sent through it counts any more."""
        return not self.sent or now - self.sent[-1] >= self.seconds


class ChannelGate:
    """The limits of one channel, shared by its replies and its pushes."""

    def __init__(self, limits: ChannelLimits, clock: Callable[[], float] = time.monotonic):
        self.limits, self.clock = limits, clock
        self.overall = Window(limits.overall)
        self.chats: dict[str, list[Window]] = {}

    async def acquire(self, chat: str, reply: bool = False) -> None:
        """Wait until one more message to `chat` fits the limits, then count it."""
        while (wait := self.wait(chat, reply)) > 0:
            await asyncio.sleep(wait)
        self.record(chat, self.clock())

    def record(self, chat: str, at: float) -> None:
        """Count a message to `chat` sent at `at` (this gate's clock; earlier sends first),
        e.g. one sent before a restart.
        """
        self.overall.record(at)
        for window in self._chat(chat, at):
            window.record(at)

    def wait(self, chat: str, reply: bool = False) -> float:
        """Seconds until a message to `chat` may go (a reply ignores the overall limit)."""
        now = self.clock()
        waits = [window.wait(now) for window in self._chat(chat, now)]
        if not reply:
            waits.append(self.overall.wait(now))
        return max(waits, default=0.0)

    def _chat(self, chat: str, now: float) -> list[Window]:
        windows = self.chats.get(chat)
        if windows is None:
            if len(self.chats) >= MAX_CHATS:
                self.chats = {key: value for key, value in self.chats.items()
                              if not all(window.idle(now) for window in value)}
            windows = self.chats[chat] = [Window(rate) for rate in self.limits.per_chat]
        return windows

"""Per-account event rate limits: a token bucket per chat account, in this process's memory.

Cheap enough to run before any database work; a flood from one account is answered once with
a polite "please wait" and then dropped until the bucket refills. (Invite attempts, which guard
the roster, are counted in the database instead: see storage/attempts.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.core.clock import Clock

PRUNE_AT = 10_000  # accounts remembered before idle (full) buckets are forgotten


class Verdict(Enum):
    """What to do with one event."""

    ALLOW = "allow"
    WARN = "warn"  # the first event over the limit: say "please wait" once
    DROP = "drop"  # later ones: answer nothing, touch nothing


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class RateLimiter:
    """Allows `per_minute` events a minute per key, in bursts of up to `per_minute`."""

    def __init__(self, per_minute: int, clock: Clock) -> None:
        self.capacity, self.rate, self.clock = float(per_minute), per_minute / 60.0, clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._exempt: set[str] = set()

    def exempt(self, channel: str) -> None:
        """Never limit this channel (the local console: its operator is at the keyboard)."""
        self._exempt.add(channel)

    def check(self, key: tuple[str, str]) -> Verdict:
        """Take a token for `key` (channel, account) if there is one."""
        if key[0] in self._exempt:
            return Verdict.ALLOW
        now = self.clock.now().timestamp()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _prune(self, now: float) -> None:
        if len(self._buckets) < PRUNE_AT:
            return
        idle = [key for key, b in self._buckets.items()
                if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for key in idle:
            del self._buckets[key]

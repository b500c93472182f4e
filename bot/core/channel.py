"""The channel protocol: how the core talks to a messenger, its sending limits, its errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.core.types import Reply

Part = Callable[[], Awaitable[None]]  # sends one message of a reply (a text, then each file)


class DeliveryError(Exception):
    """Sending failed."""


class TransientDeliveryError(DeliveryError):
    """Try again later (network trouble, rate limit); `retry_after` in seconds if known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Will never succeed (a bad request: the message itself is at fault)."""


class UnreachableError(PermanentDeliveryError):
    """The person cannot be reached on this account (blocked the bot, deleted the account).

    Nothing more is tried there until they write again.
    """


@dataclass(frozen=True)
class Rate:
    """At most `count` messages in any `seconds` (a sliding window).

    With `burst`, never more than `burst` at once: the rest are spread evenly, so a messenger
    that counts each second does not see a whole second's messages arrive together. A burst
    a little above 1 paces evenly yet lets a send that woke late be caught up.
    """

    count: float
    seconds: float
    burst: float | None = None

    @property
    def per_second(self) -> float:
        """The steady rate."""
        return self.count / self.seconds


@dataclass(frozen=True)
class ChannelLimits:
    """What a messenger lets one bot send, in all and to one conversation, and at once.

    Every rate applies; `concurrency` bounds the requests in flight.
    """

    overall: Rate
    per_chat: tuple[Rate, ...]
    concurrency: int = 8


UNLIMITED = ChannelLimits(Rate(1_000_000, 1), (), concurrency=64)


class Channel(Protocol):
    """A messenger the bot runs on (Telegram, WeCom, the local console)."""

    name: str
    limits: ChannelLimits

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        """Where to reach this person on this channel, or None if they are not reachable here."""

    def parts(self, address: str, reply: Reply) -> list[Part]:
        """The messages a reply takes, each a call that sends it or raises a DeliveryError.

        The worker sends them in order, each within the limits, and remembers how many went, so
        a push that failed half-way resumes from the part that failed.
        """


class SingleMessageChannel:
    """A channel whose every reply is one message, sent by `send` (the console, test fakes)."""

    name = "single"
    limits = UNLIMITED

    async def send(self, address: str, reply: Reply) -> None:
        """Deliver one message; raise a DeliveryError subclass on failure."""
        raise NotImplementedError

    def parts(self, address: str, reply: Reply) -> list[Part]:
        """One part: the whole reply."""
        return [lambda: self.send(address, reply)]

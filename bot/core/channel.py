"""The channel protocol: how the core talks to a messenger, and the errors it may raise."""

from __future__ import annotations

from typing import Protocol

from bot.core.types import Reply


class DeliveryError(Exception):
    """Sending failed."""


class TransientDeliveryError(DeliveryError):
    """Try again later (network trouble, rate limit); `retry_after` in seconds if known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Will never succeed (blocked by the user, chat gone, bad request)."""


class Channel(Protocol):
    """A messenger the bot runs on (Telegram, WeCom, the local console)."""

    name: str

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        """Where to reach this person on this channel, or None if they are not reachable here."""

    async def send(self, address: str, reply: Reply) -> None:
        """Deliver one message; raise a DeliveryError subclass on failure."""

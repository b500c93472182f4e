"""Test helpers: a conversation driver over the real dispatcher, and database URLs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from bot.app import App
from bot.core.types import Event, EventKind, Location, MediaRef, Reply

POSTGRES_URL_ENV = "LIANDONG_TEST_DATABASE_URL"
REQUIRE_POSTGRES_ENV = "LIANDONG_REQUIRE_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The PostgreSQL URL to test against (default: the local server)."""
    return os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL


def with_search_path(url: str, schema: str) -> str:
    """The URL with a libpq option that makes `schema` the only schema searched."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def postgres_available(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "not here"
        return f"PostgreSQL not reachable at {url}: {exc.__class__.__name__}"
    return None


@dataclass
class Dialog:
    """One user talking to the bot: send lines, press buttons, read the replies."""

    app: App
    user_id: str = "1001"
    channel: str = "test"
    last: list[Reply] = field(default_factory=list)
    _update: int = 0

    async def send(self, text: str) -> list[Reply]:
        """Type a line (a command or text)."""
        return await self._handle(Event.from_text(self.channel, self.user_id, text))

    async def press(self, label_or_payload: str) -> list[Reply]:
        """Press a button from the last replies by its label (or give a raw payload)."""
        payload = self.payload_of(label_or_payload) or label_or_payload
        return await self._handle(Event(self.channel, self.user_id, EventKind.BUTTON,
                                        payload=payload))

    async def send_event(self, kind: EventKind, **fields) -> list[Reply]:
        """Send any kind of event (photo, location, sticker...)."""
        return await self._handle(Event(self.channel, self.user_id, kind, **fields))

    async def send_photo(self, data: bytes, mime: str = "image/jpeg") -> list[Reply]:
        """Send a photo whose download returns `data`."""
        async def fetch() -> bytes:
            return data
        self._update += 1
        ref = MediaRef(f"file-{self._update}", len(data), mime, fetch)
        return await self.send_event(EventKind.PHOTO, media=(ref,))

    async def send_location(self, latitude: float, longitude: float) -> list[Reply]:
        """Share a location."""
        return await self.send_event(EventKind.LOCATION, location=Location(latitude, longitude))

    def payload_of(self, label: str) -> str | None:
        """The payload of the button with this label in the last replies."""
        for reply in self.last:
            for row in reply.buttons:
                for button in row:
                    if button.label == label:
                        return button.payload
        return None

    def labels(self) -> list[str]:
        """Every button label in the last replies."""
        return [b.label for reply in self.last for row in reply.buttons for b in row]

    @property
    def text(self) -> str:
        """All text of the last replies."""
        return "\n".join(reply.text for reply in self.last)

    async def _handle(self, event: Event) -> list[Reply]:
        self.last = await self.app.dispatcher.handle(event)
        return self.last

"""Files arrive before the handler's transaction: size check, download, decode off the event loop,
content-addressed store and a daily quota. Handlers only see what was received.

Doing this outside the transaction matters: on SQLite a transaction holds the write lock, and a
photo downloading inside it would make every other person wait (or fail after the busy timeout).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.engine import Engine

from bot.core.context import Services
from bot.core.router import Router
from bot.core.types import Event, EventKind, MediaRef, Received
from storage import attempts, conversations, identities
from storage.db import unit_of_work
from storage.media import MediaRejected

log = logging.getLogger("liandong.intake")
MEDIA_EVENTS = (EventKind.PHOTO, EventKind.DOCUMENT, EventKind.VOICE)
QUOTA = "media"
QUOTA_WINDOW = timedelta(hours=24)
FETCH_TIMEOUT = 120.0


class MediaIntake:
    """Receives an event's files for the dialog step that asked for them; nothing otherwise."""

    def __init__(self, engine: Engine, router: Router, services: Services) -> None:
        self.engine, self.router, self.services = engine, router, services

    async def receive(self, event: Event) -> Event:
        """The event with each file's `received` filled in (stored, or why not)."""
        if event.kind not in MEDIA_EVENTS or not event.media:
            return event
        person_id, room, documents = self._room(event)
        if not room:
            return event  # the step does not take files: the handler says so, nothing is fetched
        media = []
        for index, ref in enumerate(event.media):
            received = Received(refusal="too_many") if index >= room \
                else await self._receive_one(event.kind, ref, person_id, documents)
            media.append(replace(ref, received=received))
        return replace(event, media=tuple(media))

    def _room(self, event: Event) -> tuple[int | None, int, bool]:
        """(person id, how many files the person's current dialog step still takes, whether
        documents that are not images are among them).
        """
        with unit_of_work(self.engine, read_only=True) as session:
            person = identities.resolve(session, event.channel, event.user_id)
            conversation = conversations.current(session, person.id) if person else None
            route = self.router.flows.get(conversation.flow) if conversation else None
            if route is None or route.media_room is None:
                return None, 0, False
            return person.id, route.media_room(conversation, event.kind), route.documents

    async def _receive_one(self, kind: EventKind, ref: MediaRef, person_id: int,
                           documents: bool) -> Received:
        settings = self.services.settings
        image = not (kind is EventKind.DOCUMENT and not (ref.mime_type or "").startswith("image/"))
        cap = settings.max_photo_bytes if image or not documents else settings.max_file_bytes
        if ref.size is not None and ref.size > cap:
            return Received(refusal="too_large")
        if not image and not documents:
            return Received(refusal="not_image")
        if not self._within_quota(person_id):
            return Received(refusal="daily_limit")
        try:
            data = await asyncio.wait_for(ref.fetch(), FETCH_TIMEOUT)
            stored = await asyncio.to_thread(self._store, kind, data, ref.mime_type, image)
        except MediaRejected as rejected:
            return Received(refusal=rejected.reason)
        except Exception:  # a download that failed: the person is asked to send it again
            log.exception("receiving file %s failed", ref.file_id)
            return Received(refusal="failed")
        self._count(person_id)
        return Received(stored.sha256, stored.path.suffix.lstrip("."))

    def _store(self, kind: EventKind, data: bytes, mime_type: str | None, image: bool):
        media = self.services.media
        if kind is EventKind.VOICE:
            return media.put_file(data, mime_type or "audio/ogg")
        if not image:  # a PDF or office document, for a step that takes documents
            return media.put_document(data, mime_type, self.services.settings.max_file_bytes)
        return media.put_image(data)  # decodes the whole image: CPU work, so in a thread

    def _within_quota(self, person_id: int) -> bool:
        since = self.services.clock.utcnow() - QUOTA_WINDOW
        with unit_of_work(self.engine, read_only=True) as session:
            used = attempts.recent(session, QUOTA, str(person_id), since)
        return used < self.services.settings.max_media_per_day

    def _count(self, person_id: int) -> None:
        with unit_of_work(self.engine) as session:
            attempts.record(session, QUOTA, str(person_id), self.services.clock.utcnow())

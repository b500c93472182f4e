"""The channel-neutral driver the scenarios talk to, and the messages a person sees."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import select

from bot.app import App
from bot.delivery import DeliveryWorker
from storage.db import unit_of_work
from storage.models import Person


@dataclass(frozen=True)
class Shown:
    """One message as its reader sees it now (edits applied): text, buttons, what it is."""

    text: str
    labels: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()  # what each button carries back (payload, card key)
    kind: str = "text"  # text, card, photo, file
    ref: str = ""  # the channel's handle on the message (message id, response code, task id)

    def key_of(self, label: str) -> str | None:
        """What the button with this label carries, if it can still be pressed."""
        for shown_label, key in zip(self.labels, self.keys, strict=False):
            if shown_label == label:
                return key
        return None


def person_by_phone(app: App, phone: str) -> Person:
    """The roster person with this phone number."""
    with unit_of_work(app.engine) as session:
        person = session.exec(select(Person).where(Person.phone == phone)).one()
        session.expunge(person)
        return person


class Driver(ABC):
    """One person at a time talks to the bot on a channel; everyone's screen can be read."""

    name = "abstract"
    shares_location = True  # False where the messenger has no way to send one

    def __init__(self, app: App) -> None:
        self.app = app
        self.person: Person | None = None
        self._met: set[int] = set()
        self._read: dict[int, int] = {}  # person id → messages of their screen already read

    # --- what the scenarios call ---------------------------------------------------------

    async def as_person(self, phone: str) -> Person:
        """From now on act as the person with this phone (bound to the channel first)."""
        person = person_by_phone(self.app, phone)
        await self.meet(person)
        await self._switch(person)
        self.person = person
        return person

    async def meet(self, *people: Person) -> None:
        """Bind these people's accounts on the channel, so that pushes can reach them."""
        for person in people:
            if person.id not in self._met:
                self._met.add(person.id)
                await self._bind(person)

    async def send(self, text: str) -> str:
        """Type a line; the text of what changed on the person's screen."""
        return await self._acting(lambda: self._send(text))

    async def press(self, label: str) -> str:
        """Press the button with this visible label on the newest message that shows it."""
        shown = self.holding(label)
        return await self._acting(lambda: self._press(shown, label))

    async def share_location(self, latitude: float, longitude: float) -> str:
        """Share a location."""
        return await self._acting(lambda: self._location(latitude, longitude))

    async def send_photo(self, data: bytes) -> str:
        """Send a photo (JPEG bytes)."""
        return await self._acting(lambda: self._photo(data))

    async def pushes_for(self, person: Person) -> str:
        """Drain the outbox through the real worker and channel; the text of the messages this
        person got that they had not read yet.
        """
        await self._drain(person)
        screen = self.screen(person)
        unread = screen[self._read.get(person.id, 0):]
        self._read[person.id] = len(screen)
        return joined(unread)

    def latest_text(self) -> str:
        """The text of the acting person's newest message."""
        screen = self.screen(self.person)
        return screen[-1].text if screen else ""

    def labels(self) -> list[str]:
        """Every button the acting person can press now, newest message first."""
        return [label for shown in reversed(self.screen(self.person))
                for label in shown.labels if shown.key_of(label) is not None]

    def holding(self, label: str, person: Person | None = None) -> Shown:
        """The newest message on the screen with a pressable button of this label."""
        for shown in reversed(self.screen(person or self.person)):
            if shown.key_of(label) is not None:
                return shown
        labels = [shown.labels for shown in self.screen(person or self.person)][-5:]
        raise AssertionError(f"{self.name}: no button {label!r}; newest: {labels}")

    # --- what each channel provides -------------------------------------------------------

    @abstractmethod
    def screen(self, person: Person) -> list[Shown]:
        """Every message the person has, oldest first, as it looks now."""

    @abstractmethod
    async def _bind(self, person: Person) -> None: ...

    async def _switch(self, person: Person) -> None:
        """Take the person's seat (only the console has one seat for everyone)."""
        return None

    @abstractmethod
    async def _send(self, text: str) -> None: ...

    @abstractmethod
    async def _press(self, shown: Shown, label: str) -> None: ...

    @abstractmethod
    async def _location(self, latitude: float, longitude: float) -> None: ...

    @abstractmethod
    async def _photo(self, data: bytes) -> None: ...

    async def _drain(self, person: Person) -> None:
        """Run the worker over this channel until nothing more goes out."""
        worker = DeliveryWorker(self.app.engine, [self.channel], self.app.services.clock)
        while await worker.run_once(limit=500):
            pass

    # --- plumbing ----------------------------------------------------------------------------

    async def _acting(self, action: Callable[[], Awaitable[None]]) -> str:
        assert self.person is not None, "as_person first"
        before = self.screen(self.person)
        await action()
        after = self.screen(self.person)
        self._read[self.person.id] = len(after)
        changed = [shown for index, shown in enumerate(after)
                   if index >= len(before) or shown != before[index]]
        return joined(changed)


def joined(messages: list[Shown]) -> str:
    """The texts of these messages (and button labels, as a user reads them), one block."""
    return "\n".join(" ".join((shown.text, *shown.labels)) for shown in messages)

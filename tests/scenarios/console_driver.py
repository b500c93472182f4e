"""The scenarios on the console: one terminal plays everyone (`/as`), buttons by number.

Each line goes through the console's own input handling. Pushes are held while a line is
handled and delivered by `pushes_for`, after `/as` has seated their addressee: the console shows
a push in full (with numbered buttons) only to the person being played, others get one line.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from bot.app import App
from bot.channels.console_outbox import deliver_due, one_line
from bot.core.types import Reply
from storage.models import Person
from tests.console_support import console
from tests.scenarios.driver import Driver, Shown

PUSH_PREVIEW = 70  # as bot.channels.console prints a push to someone else


class ConsoleDriver(Driver):
    """Lines into the real ConsoleChannel; what it printed, recorded per person played."""

    name = "console"

    def __init__(self, app: App, files: Path) -> None:
        super().__init__(app)
        self.channel, self.out = console(app)
        self.worker, self.channel.worker = self.channel.worker, None
        self.files = files
        self.screens: dict[int, list[Shown]] = defaultdict(list)
        self.pressed: tuple[int, int] | None = None  # (person id, index) of the pressed message
        self._print_reply = self.channel._print_reply
        self._send_push = self.channel.send
        self.channel._print_reply = self._record_reply
        self.channel.send = self._record_push
        self.channel._act_as_default()

    def screen(self, person: Person) -> list[Shown]:
        return list(self.screens[person.id])

    def labels(self) -> list[str]:
        """Only the latest answer's buttons have numbers to type."""
        return [button.label for button in self.channel.board.buttons]

    async def _bind(self, person: Person) -> None:
        """Everyone is reachable on the console."""

    async def _switch(self, person: Person) -> None:
        acting = self.channel.acting
        if acting is None or acting.id != person.id:
            await self.channel.handle_line(f"/as {person.phone}")

    async def _send(self, text: str) -> None:
        await self.channel.handle_line(text)

    async def _press(self, shown: Shown, label: str) -> None:
        key = shown.key_of(label)
        numbers = [number for number, button in enumerate(self.channel.board.buttons, start=1)
                   if button.payload == key and button.label == label]
        assert numbers, f"console: {label!r} is not among the numbered buttons of the answer"
        self.pressed = (self.person.id, self.screens[self.person.id].index(shown))
        try:
            await self.channel.handle_line(str(numbers[-1]))
        finally:
            self.pressed = None

    async def _location(self, latitude: float, longitude: float) -> None:
        await self.channel.handle_line(f"/location {latitude},{longitude}")

    async def _photo(self, data: bytes) -> None:
        path = self.files / f"photo-{len(list(self.files.glob('*.jpg')))}.jpg"
        path.write_bytes(data)
        await self.channel.handle_line(f"/photo {path}")

    async def _drain(self, person: Person) -> None:
        await self._switch(person)
        await deliver_due(self.worker, self.app.engine, self.app.services.clock)

    # --- recording what the console printed ---------------------------------------------------

    def _record_reply(self, reply: Reply) -> None:
        self._print_reply(reply)
        screen = self.screens[self.channel.acting.id]
        shown = shown_reply(reply)
        if reply.edit and self.pressed and self.pressed[0] == self.channel.acting.id:
            screen[self.pressed[1]] = shown  # the console says the message was rewritten
        else:
            screen.append(shown)
        screen.extend(Shown(a.caption or a.filename, kind="photo" if a.is_photo else "file")
                      for a in reply.attachments)

    async def _record_push(self, address: str, reply: Reply) -> None:
        await self._send_push(address, reply)  # prints in full via _print_reply when seated
        person_id = int(address.rpartition("#")[2])
        acting = self.channel.acting
        if acting is None or acting.id != person_id:
            self.screens[person_id].append(Shown(one_line(reply.text, PUSH_PREVIEW)))


def shown_reply(reply: Reply) -> Shown:
    """A reply as the console prints it: its text and its numbered buttons."""
    buttons = [button for row in reply.buttons for button in row]
    return Shown(reply.text, tuple(b.label for b in buttons), tuple(b.payload for b in buttons),
                 "card" if buttons else "text")

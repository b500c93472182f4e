"""The local console channel: one terminal plays any person; buttons are answered by number."""

from __future__ import annotations

import asyncio
import math
import mimetypes
import sys
from pathlib import Path
from typing import TextIO

from sqlmodel import select

from bot.app import App
from bot.channels.console_buttons import ButtonBoard
from bot.channels.console_outbox import HeldPushes, deliver_due, local_time, one_line
from bot.core.channel import SingleMessageChannel
from bot.core.types import Event, EventKind, Location, MediaRef, Reply, strip_controls
from bot.delivery import DeliveryWorker
from handlers.labels import masked_phone
from storage import identities, people
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Person, Role

CHANNEL = "console"
TERMINAL = "terminal"
PUSH_PREVIEW = 70
MEDIA_COMMANDS = {"/photo": EventKind.PHOTO, "/voice": EventKind.VOICE, "/file": EventKind.DOCUMENT}


class ConsoleChannel(SingleMessageChannel):
    """Reads lines from stdin, prints replies with numbered buttons; exits at end of input."""

    name = CHANNEL

    def __init__(self, app: App, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.app = app
        self.stdin, self.stdout = stdin or sys.stdin, stdout or sys.stdout
        self.board = ButtonBoard()
        self.acting: Person | None = None
        self.worker: DeliveryWorker | None = None
        self.held = HeldPushes(app.engine, app.services.clock.utcnow())
        app.dispatcher.limiter.exempt(CHANNEL)  # one operator plays everyone, as fast as typed

    def address_for(self, person_id: int, accounts: dict[str, str], person_name: str) -> str:
        """Everyone is reachable on the console: pushes are printed with their addressee."""
        return f"{person_name}#{person_id}"

    async def send(self, address: str, reply: Reply) -> None:
        """Print a push: in full for the person being played, as one line for anyone else."""
        name, _, person_id = address.rpartition("#")
        if self.acting is not None and str(self.acting.id) == person_id:
            self._print(f"📨 {self._t('console.push_to', name=name)}")
            self._print_reply(reply)
            return
        self._print(f"📨 → {name}：{one_line(reply.text, PUSH_PREVIEW)}")

    async def run(self) -> None:
        """Greet, handle lines until end of input, then deliver what is due and say goodbye."""
        await self.read_lines()
        await self.finish()

    async def read_lines(self) -> None:
        """Greet, then handle lines until end of input."""
        self._act_as_default()
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                return
            await self.handle_line(line.rstrip("\n"))

    async def finish(self) -> None:
        """At end of input: deliver everything due, tell what waits for later, say goodbye."""
        await self._deliver()
        self._print(self._t("console.bye"))

    async def handle_line(self, line: str) -> None:
        """Handle one typed line: `/as`, a button number, or anything a user might send."""
        typed = strip_controls(line).strip()
        if not typed:
            return
        button = self.board.pick(typed)
        self._print(f"> {strip_controls(line)}" + (f" → {button.label}" if button else ""))
        head, rest = split_command(typed)
        if button is not None:
            await self._answer(Event(CHANNEL, TERMINAL, EventKind.BUTTON, payload=button.payload))
        elif head == "/as":
            self._switch(rest)
        elif (event := self._event(line)) is not None:
            await self._answer(event)
        await self._deliver()

    async def _answer(self, event: Event) -> None:
        self.board.new_answer()
        for reply in await self.app.dispatcher.handle(event):
            self._print_reply(reply)

    async def _deliver(self) -> None:
        """Send what is due, then name once each push held for later (quiet hours)."""
        clock = self.app.services.clock
        if self.worker is not None:
            await deliver_due(self.worker, self.app.engine, clock)
        now, zone = clock.utcnow(), self.app.settings.tz
        for push in self.held.fresh(now):
            self._print(self._t("console.held", name=push.name,
                                text=one_line(push.text, PUSH_PREVIEW),
                                time=local_time(push.not_before, now, zone)))

    def _event(self, line: str) -> Event | None:
        head, rest = split_command(line)
        if head in MEDIA_COMMANDS:
            return self._media_event(head, rest)
        if head == "/location":
            return self._location_event(rest)
        return Event.from_text(CHANNEL, TERMINAL, line)

    def _media_event(self, command: str, argument: str) -> Event | None:
        if not argument:
            self._print(self._t(usage_key(command)))
            return None
        path = Path(argument).expanduser()
        if not path.is_file():
            self._print(self._t("console.no_file", path=str(path)))
            return None

        async def fetch() -> bytes:
            return path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0]
        ref = MediaRef(path.name, path.stat().st_size, mime, fetch)
        return Event(CHANNEL, TERMINAL, MEDIA_COMMANDS[command], media=(ref,))

    def _location_event(self, text: str) -> Event | None:
        try:
            latitude, longitude = (float(part) for part in text.replace("，", ",").split(","))
        except ValueError:
            latitude = longitude = math.nan
        point = Location(latitude, longitude)
        if not point.valid:
            self._print(self._t("console.bad_location"))
            return None
        return Event(CHANNEL, TERMINAL, EventKind.LOCATION, location=point)

    def _act_as_default(self) -> None:
        with unit_of_work(self.app.engine) as session:
            demo_staff = select(Person).where(Person.phone == DEMO_STAFF_PHONE)
            person = session.exec(demo_staff).first() or next(
                iter(people.with_role(session, Role.STAFF)), None)
        if person is None:
            self._print(self._t("console.nobody"))
            return
        self._bind(person)
        self._print(self._t("console.intro", name=person.name))

    def _switch(self, query: str) -> None:
        if not query:
            self._print(self._t(usage_key("/as")))
            return
        with unit_of_work(self.app.engine) as session:
            found = people.find(session, query)
        if len(found) != 1:
            key = "console.as_none" if not found else "console.as_many"
            names = self._t("common.list_sep").join(f"{p.name}({masked_phone(p.phone)})"
                                                    for p in found[:10])
            self._print(self._t(key, query=query, names=names))
            return
        self._bind(found[0])
        self._print(self._t("console.as_now", name=found[0].name))

    def _bind(self, person: Person) -> None:
        with unit_of_work(self.app.engine) as session:
            identities.bind(session, CHANNEL, TERMINAL, person.id, self.app.services.clock.utcnow())
        self.acting = person
        self.board.new_answer()

    def _print_reply(self, reply: Reply) -> None:
        if reply.edit:  # a messenger would rewrite the pressed message in place
            self._print(self._t("console.edited"))
        self._print(reply.text)
        for attachment in reply.attachments:
            self._print(f"📎 {attachment.filename}: {attachment.path}")
        for number, button in self.board.number(reply):
            self._print(f"  [{number}] {button.label}")
        if self.board.first_buttons():
            self._print(self._t("console.buttons_hint"))
        self._print("")

    def _t(self, key: str, **values) -> str:
        locale = self.acting.locale if self.acting else None
        return self.app.services.catalogs.translator(locale)(key, **values)

    def _print(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)


def split_command(line: str) -> tuple[str, str]:
    """The first word of a line and the rest, split at any blank (an IME's full-width too)."""
    parts = line.strip().split(maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (line.strip(), "")


def usage_key(command: str) -> str:
    """The catalog key of the one-line usage of a console command given without its argument."""
    if command == "/as":
        return "console.usage_as"
    if command == "/photo":
        return "console.usage_photo"
    if command == "/voice":
        return "console.usage_voice"
    return "console.usage_file"

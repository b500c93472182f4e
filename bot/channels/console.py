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
from bot.core.numbers import parse_int
from bot.core.types import Button, Event, EventKind, Location, MediaRef, Reply, strip_controls
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


class ConsoleChannel:
    """Reads lines from stdin, prints replies with numbered buttons; exits at end of input."""

    name = CHANNEL

    def __init__(self, app: App, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.app = app
        self.stdin, self.stdout = stdin or sys.stdin, stdout or sys.stdout
        self.buttons: list[Button] = []
        self.acting: Person | None = None
        self.worker: DeliveryWorker | None = None
        app.dispatcher.limiter.exempt(CHANNEL)  # one operator plays everyone, as fast as typed

    def address_for(self, person_id: int, accounts: dict[str, str], person_name: str) -> str:
        """Everyone is reachable on the console: pushes are printed with their addressee."""
        return f"{person_name}#{person_id}"

    async def send(self, address: str, reply: Reply) -> None:
        """Print a push: in full for the person being played, as one line for anyone else."""
        name, _, person_id = address.rpartition("#")
        if self.acting is not None and str(self.acting.id) == person_id:
            self._print(f"📨 {self._t('console.push_to', name=name)}")
            self._print_reply(reply, selectable=True)
            return
        first_line = reply.text.strip().splitlines()[0] if reply.text.strip() else ""
        self._print(f"📨 → {name}：{first_line[:PUSH_PREVIEW]}")

    async def run(self) -> None:
        """Greet, then handle lines until end of input."""
        self._act_as_default()
        while True:
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                break
            await self.handle_line(line.rstrip("\n"))
        self._print(self._t("console.bye"))

    async def handle_line(self, line: str) -> None:
        """Handle one typed line: `/as`, a button number, or anything a user might send."""
        if not line.strip():
            return
        self._print(f"> {strip_controls(line)}")
        if line.strip().startswith("/as"):
            self._switch(line.strip()[3:].strip())
        elif (event := self._event(line)) is not None:
            for reply in await self.app.dispatcher.handle(event):
                self._print_reply(reply, selectable=True)
        if self.worker is not None:
            await self.worker.run_once()

    def _event(self, line: str) -> Event | None:
        stripped = line.strip()
        if (number := parse_int(stripped, 1, len(self.buttons))) is not None:
            button = self.buttons[number - 1]
            return Event(CHANNEL, TERMINAL, EventKind.BUTTON, payload=button.payload)
        head, _, rest = stripped.partition(" ")
        if head in MEDIA_COMMANDS:
            return self._media_event(MEDIA_COMMANDS[head], Path(rest.strip()).expanduser())
        if head == "/location":
            return self._location_event(rest)
        return Event.from_text(CHANNEL, TERMINAL, line)

    def _media_event(self, kind: EventKind, path: Path) -> Event | None:
        if not path.is_file():
            self._print(self._t("console.no_file", path=str(path)))
            return None

        async def fetch() -> bytes:
            return path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0]
        ref = MediaRef(path.name, path.stat().st_size, mime, fetch)
        return Event(CHANNEL, TERMINAL, kind, media=(ref,))

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
        self.acting, self.buttons = person, []

    def _print_reply(self, reply: Reply, selectable: bool) -> None:
        self._print(reply.text)
        for attachment in reply.attachments:
            self._print(f"📎 {attachment.filename}: {attachment.path}")
        flat = [button for row in reply.buttons for button in row]
        if selectable and flat:
            self.buttons = flat
        for number, button in enumerate(flat, start=1):
            self._print(f"  [{number}] {button.label}" if selectable else f"  [{button.label}]")
        self._print("")

    def _t(self, key: str, **values) -> str:
        locale = self.acting.locale if self.acting else None
        return self.app.services.catalogs.translator(locale)(key, **values)

    def _print(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

"""The scenarios on Telegram: the real channel long-polling the fake Bot API on loopback.

Each action is an update; a press is a callback query on the very message that carried the
button (so an edit rewrites it). What a person sees is rebuilt from the Bot API calls.
"""

from __future__ import annotations

import asyncio
import itertools
import time

from telegram import Update

from bot.channels.telegram import TelegramChannel
from storage import identities
from storage.db import unit_of_work
from storage.models import Person
from tests.fake_bot_api import BOT_USER, FakeBotApi, private_chat, user
from tests.given import invite_code
from tests.scenarios.driver import Driver, Shown

FIRST_USER = 810_000
SENT = {"sendmessage": "text", "sendphoto": "photo", "senddocument": "file"}


class TelegramDriver(Driver):
    """Telegram users, one per person (user id = 810000 + person id)."""

    name = "telegram"

    def __init__(self, channel: TelegramChannel, api: FakeBotApi) -> None:
        super().__init__(channel.app)
        self.channel, self.api = channel, api
        self.handled: set[int] = set()
        self._queries = itertools.count(1)
        handle = channel._handle

        async def tracked(update: Update) -> None:  # know when an update has been handled
            try:
                await handle(update)
            finally:
                self.handled.add(update.update_id)
        channel._handle = tracked

    def user_id(self, person: Person) -> int:
        """The Telegram user (and private chat) of a person."""
        return FIRST_USER + person.id

    def screen(self, person: Person) -> list[Shown]:
        return chat_view(self.api, self.user_id(person))

    async def _bind(self, person: Person) -> None:
        code = invite_code(self.app.engine, person.id)
        if code is None:  # no invite in the roster: bound as an invite would do
            with unit_of_work(self.app.engine) as session:
                identities.bind(session, "telegram", str(self.user_id(person)), person.id,
                                self.app.services.clock.utcnow())
            return
        await self._until_handled(self.api.user_message(self.user_id(person), f"/start {code}"))

    async def _send(self, text: str) -> None:
        await self._until_handled(self.api.user_message(self.user_id(self.person), text))

    async def _press(self, shown: Shown, label: str) -> None:
        chat = self.user_id(self.person)
        message = {"message_id": int(shown.ref), "date": int(time.time()),
                   "chat": private_chat(chat), "from": BOT_USER, "text": shown.text}
        query = {"id": f"cbq-{chat}-{next(self._queries)}", "from": user(chat),
                 "chat_instance": f"ci-{chat}", "data": shown.key_of(label), "message": message}
        await self._until_handled(self.api.push_update({"callback_query": query}))

    async def _location(self, latitude: float, longitude: float) -> None:
        chat = self.user_id(self.person)
        await self._until_handled(self.api.location_message(chat, latitude, longitude))

    async def _photo(self, data: bytes) -> None:
        update = self.api.photo_update(self.user_id(self.person), data)
        await self._until_handled(self.api.push_update(update))

    async def _until_handled(self, update_id: int, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            while update_id not in self.handled:
                await asyncio.sleep(0.01)


def chat_view(api: FakeBotApi, chat_id: int) -> list[Shown]:
    """The private chat as the user sees it: sent messages, edits applied, oldest first."""
    messages: dict[int, Shown] = {}
    for call in api.calls:
        method = call.method.lower()
        if call.status != 200 or str(call.params.get("chat_id")) != str(chat_id):
            continue
        if method in SENT:
            message_id = call.result["message_id"]
            messages[message_id] = shown_message(call.params, SENT[method], message_id)
        elif method == "editmessagetext":
            message_id = int(call.params["message_id"])
            messages[message_id] = shown_message(call.params, "text", message_id)
    return list(messages.values())


def shown_message(params: dict, kind: str, message_id: int) -> Shown:
    """A message from the parameters it was sent (or edited) with."""
    text = params.get("text") or params.get("caption") or ""
    rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
    buttons = [button for row in rows for button in row]
    return Shown(text, tuple(b["text"] for b in buttons),
                 tuple(b["callback_data"] for b in buttons),
                 "card" if buttons and kind == "text" else kind, str(message_id))

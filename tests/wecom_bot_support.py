"""Fixtures for AI-bot tests: the fake long-connection server, the real channel connected to
it, and members whose messages and clicks arrive as callbacks on the socket.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from bot.app import App, build_app
from bot.channels.wecom_bot import WeComBotChannel
from tests.fake_wecom_bot_server import BOT_ID, SECRET, FakeWeComBot, Sent

_tasks = itertools.count(1)


def bot_settings(settings, server: FakeWeComBot, **extra):
    """Settings for the AI-bot channel against the fake server."""
    return settings.model_copy(update={
        "wecom_bot_id": BOT_ID, "wecom_bot_secret": SecretStr(SECRET),
        "wecom_bot_url": server.url, "wecom_bot_lease_seconds": 3, **extra})


async def until(condition, timeout: float = 10) -> None:
    """Wait for something the channel does by itself."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@dataclass
class AiBot:
    """The running channel, the fake server and the app."""

    server: FakeWeComBot
    channel: WeComBotChannel
    app: App

    def member(self, userid: str) -> BotMember:
        """A WeCom member talking to the bot."""
        return BotMember(self, userid)

    async def handled(self, send) -> str:
        """Run `send` (a callback), then wait until the channel has handled it; its req_id."""
        client = self.channel.client
        before = client.frames
        req_id = await send
        await until(lambda: client.frames > before)
        await self.channel.idle()
        return req_id


@dataclass
class BotMember:
    """One member: each action a callback on the socket; answers what the bot sent back."""

    bot: AiBot
    userid: str

    def _since(self, before: int) -> list[str]:
        return self.bot.server.texts(self.userid)[before:]

    async def say(self, text: str) -> list[str]:
        """Send a text; the texts and card titles the bot answered with."""
        before = len(self.bot.server.texts(self.userid))
        await self.bot.handled(self.bot.server.message(self.userid, "text", {"content": text}))
        return self._since(before)

    async def send(self, msgtype: str, content: dict, msgid: str | None = None) -> list[str]:
        """Send any message (image, mixed, voice, file)."""
        before = len(self.bot.server.texts(self.userid))
        await self.bot.handled(self.bot.server.message(self.userid, msgtype, content, msgid))
        return self._since(before)

    async def enter(self) -> list[str]:
        """Open the chat with the bot (enter_chat)."""
        before = len(self.bot.server.texts(self.userid))
        await self.bot.handled(self.bot.server.event(self.userid, "enter_chat"))
        return self._since(before)

    def card_key(self, label: str | None = None, prefix: str | None = None) -> tuple[str, str]:
        """(key, task id) of the newest card button with this label or key prefix."""
        for sent in reversed(self.bot.server.to(self.userid)):
            card = sent.body.get("template_card") or {}
            for button in card.get("button_list", []):
                if button["text"] == label or (prefix and button["key"].startswith(prefix)):
                    return button["key"], card.get("task_id", "")
        raise AssertionError(f"no card button {label or prefix!r} for {self.userid}")

    async def press(self, key: str, task_id: str = "", late: float = 0) -> list[str]:
        """Press a card button; `late`: the bot handles the click that many seconds late."""
        before = len(self.bot.server.texts(self.userid))
        server = self.bot.server
        if late:
            server.on_callback = lambda req_id: server.age(req_id, late)
        try:
            await self.bot.handled(server.event(
                self.userid, "template_card_event", event_key=key,
                task_id=task_id or f"t{next(_tasks)}", card_type="button_interaction"))
        finally:
            server.on_callback = None
        return self._since(before)

    async def tap(self, label: str | None = None, prefix: str | None = None,
                  late: float = 0) -> list[str]:
        """Press the newest card button with this label (or key prefix)."""
        return await self.press(*self.card_key(label, prefix), late=late)

    def sent(self) -> list[Sent]:
        """Every command the bot sent into this member's conversation."""
        return self.bot.server.to(self.userid)


@pytest.fixture
async def aibot(settings, engine, clock, demo):
    """The AI-bot channel over the demo county, connected to the fake server.

    At the end no conversation may have gone beyond WeCom's limits.
    """
    async with FakeWeComBot() as server:
        app = build_app(bot_settings(settings, server), engine, clock)
        channel = WeComBotChannel(app)
        await channel.start()
        await server.connected()
        await until(channel.client.connected.is_set)
        try:
            yield AiBot(server, channel, app)
        finally:
            await channel.stop()
        assert not server.over_limit, f"WeCom would refuse {len(server.over_limit)} message(s)"

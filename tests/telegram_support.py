"""Fixtures for Telegram channel tests: the fake Bot API and the real channel polling it."""

from __future__ import annotations

import socket

import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from storage.db import unit_of_work
from storage.models import Invite, Person
from tests.fake_bot_api import FakeBotApi

ALICE, BOB, CAROL = 5001, 5002, 5003


@pytest.fixture
async def api():
    """The fake Bot API server on loopback."""
    async with FakeBotApi() as fake:
        yield fake


def telegram_app(settings, engine, clock, api, **extra):
    """The app with Telegram settings pointing at the fake server."""
    update = {"telegram_token": SecretStr(api.token), "telegram_api_url": api.url, **extra}
    return build_app(settings.model_copy(update=update), engine, clock)


async def started(app):
    """A started channel (the caller stops it)."""
    channel = TelegramChannel(app)
    await channel.start()
    return channel


@pytest.fixture
async def channel(api, settings, engine, clock, demo):
    """The real Telegram channel in long-polling mode over the demo county."""
    running = await started(telegram_app(settings, engine, clock, api))
    try:
        yield running
    finally:
        await running.stop()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def invites(engine, count: int) -> list[tuple[str, str, int]]:
    """(code, name, person id) of unused demo invites."""
    with unit_of_work(engine) as session:
        rows = session.exec(select(Invite, Person).join(Person, Person.id == Invite.person_id)
                            .where(Invite.redeemed_at.is_(None)).order_by(Person.id)
                            .limit(count)).all()
        return [(invite.code, person.name, person.id) for invite, person in rows]


async def ask(api: FakeBotApi, user_id: int, text: str, **extra) -> str:
    """Send a message and return the text of the first reply to it."""
    before = len(api.sent_texts(user_id))
    api.user_message(user_id, text, **extra)
    texts = await api.wait_for(lambda: api.sent_texts(user_id)[before:])
    return texts[0]

"""Fixtures for Telegram channel tests: the fake Bot API and the real channel polling it."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from tests.fake_bot_api import FakeBotApi


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

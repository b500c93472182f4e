"""Start the bot: migrate, maybe load the demo, pick the channel, run worker and scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from bot.admin import load_demo_county, ready_engine, roster_is_empty
from bot.app import App, build_app
from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.logs import configure_logging, settings_secrets
from schedules.runner import build_scheduler


def run_bot(settings: Settings, demo_if_empty: bool) -> None:
    """Blocking entry point for `liandong run`."""
    console = settings.telegram_token is None
    configure_logging(settings.log_level, settings.data_dir / "console.log" if console else None,
                      settings_secrets(settings))
    engine = ready_engine(settings)
    if demo_if_empty and roster_is_empty(engine):
        load_demo_county(settings, engine)
    app = build_app(settings, engine)
    asyncio.run(run_console(app) if console else run_telegram(app))


async def run_console(app: App) -> None:
    """The local console: read stdin until it ends, delivering pushes after every line."""
    from bot.channels.console import ConsoleChannel

    channel = ConsoleChannel(app)
    channel.worker = DeliveryWorker(app.engine, [channel], app.services.clock)
    scheduler = build_scheduler(app)
    scheduler.start()
    try:
        await channel.run()
        await channel.worker.run_once()
    finally:
        scheduler.shutdown(wait=False)


async def run_telegram(app: App) -> None:
    """Telegram (polling or webhook) until SIGINT or SIGTERM."""
    from bot.channels.telegram import TelegramChannel

    channel = TelegramChannel(app)
    worker = DeliveryWorker(app.engine, [channel], app.services.clock)
    scheduler = build_scheduler(app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await channel.start()
    scheduler.start()
    try:
        await worker.run_forever(app.settings.outbox_poll_seconds, stop)
    finally:
        scheduler.shutdown(wait=False)
        await channel.stop()

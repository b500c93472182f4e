"""Start the bot: check, migrate, maybe load the demo, run the channel, worker and scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.admin import load_demo_county, roster_is_empty
from bot.app import App, build_app
from bot.config import Settings
from bot.delivery import DeliveryWorker
from bot.logs import configure_logging, settings_secrets
from bot.startup import (
    StartupError,
    check_data_dir,
    load_work_calendar,
    open_database,
    warn_calendar_gaps,
)
from schedules.runner import build_scheduler

INTERRUPTED = 130  # the shell's code for a stop by Ctrl-C


def run_bot(settings: Settings, demo_if_empty: bool) -> None:
    """Blocking entry point for `liandong run`; a start-up problem is one line and exit code 2."""
    try:
        _run(settings, demo_if_empty)
    except StartupError as problem:
        print(problem, file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:  # Ctrl-C before the channel took over the signals
        raise SystemExit(INTERRUPTED) from None


def _run(settings: Settings, demo_if_empty: bool) -> None:
    console = settings.telegram_token is None and settings.wecom_corp_id is None \
        and settings.wecom_bot_id is None
    check_data_dir(settings.data_dir)
    configure_logging(settings.log_level, settings.data_dir / "console.log" if console else None,
                      settings_secrets(settings))
    engine = open_database(settings)
    if demo_if_empty and roster_is_empty(engine):
        load_demo_county(settings, engine)
    app = build_app(settings, engine)
    gaps = load_work_calendar(engine, app.services.clock.now().astimezone(settings.tz).date())
    asyncio.run(run_console(app, gaps) if console else run_channels(app, gaps))


async def run_console(app: App, calendar_gaps: Sequence[int] = ()) -> None:
    """The local console: read stdin until it ends, delivering pushes after every line.

    At the end the scheduler stops first (its running jobs finish, their pushes queued), then
    everything due is delivered before the goodbye.
    """
    from bot.channels.console import ConsoleChannel

    channel = ConsoleChannel(app)
    warn_calendar_gaps(app.settings, calendar_gaps, channel.stdout)
    channel.worker = DeliveryWorker(app.engine, [channel], app.services.clock)
    async with running_scheduler(build_scheduler(app)):
        await channel.read_lines()
    await channel.finish()


async def run_channels(app: App, calendar_gaps: Sequence[int] = ()) -> None:
    """Telegram (polling or webhook) and/or WeCom (callback on the bot's HTTP server) until
    SIGINT or SIGTERM; a person is reached on the first channel they are bound to.

    Calendar gaps are logged once the channels have started, so that a start-up mistake
    stays the one line printed.
    """
    channels = messenger_channels(app)
    worker = DeliveryWorker(app.engine, channels, app.services.clock,
                            app.services.outbox_signal)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as running:
        await start_web(app, channels, running)  # listening before Telegram is told the URL
        for channel in channels:
            await channel.start()
            running.push_async_callback(channel.stop)
        warn_calendar_gaps(app.settings, calendar_gaps)
        async with running_scheduler(build_scheduler(app)):
            await worker.run_forever(app.settings.outbox_poll_seconds, stop)


def messenger_channels(app: App) -> list:
    """The channels the settings ask for: Telegram when it has a token, WeCom when it has a
    corp id, the WeCom AI bot when it has a bot id.
    """
    channels = []
    if app.settings.telegram_token is not None:
        from bot.channels.telegram import TelegramChannel
        channels.append(TelegramChannel(app))
    if app.settings.wecom_corp_id is not None:
        from bot.channels.wecom import WeComChannel
        channels.append(WeComChannel(app))
    if app.settings.wecom_bot_id is not None:
        from bot.channels.wecom_bot import WeComBotChannel
        channels.append(WeComBotChannel(app))
    return channels


async def start_web(app: App, channels: list, running: contextlib.AsyncExitStack) -> None:
    """Serve the bot's one HTTP app (health, WeCom callback, Telegram webhook) when a channel
    has endpoints.
    """
    routes = [route for channel in channels for route in getattr(channel, "routes", list)()]
    if not routes:
        return
    from bot.web import WebServer, web_app
    listen, port, setting = app.settings.web_address
    server = WebServer(web_app(routes), listen, port)
    try:
        await server.start()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StartupError(setting, f"cannot listen on {listen}:{port} ({reason})") from None
    running.push_async_callback(server.stop)


@contextlib.asynccontextmanager
async def running_scheduler(scheduler: AsyncIOScheduler):
    """Run the scheduler for the block; at the end let running jobs finish instead of cancelling.

    APScheduler's asyncio executor cancels the futures of jobs still running in its threads when
    it shuts down (the threads carry on regardless), which logs a CancelledError traceback for
    every sweep caught mid-run. Pausing first and waiting for them keeps a normal stop quiet.
    """
    jobs = RunningJobs()
    scheduler.add_listener(jobs.count, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    try:
        yield scheduler
    finally:
        scheduler.pause()
        await jobs.idle.wait()
        scheduler.shutdown(wait=False)


class RunningJobs:
    """How many scheduled jobs are running now; `idle` is set when none is."""

    def __init__(self) -> None:
        self.running = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def count(self, event) -> None:
        """Scheduler listener: a job was submitted (+1), or finished or failed (-1)."""
        self.running += 1 if event.code == EVENT_JOB_SUBMITTED else -1
        if self.running > 0:
            self.idle.clear()
        else:
            self.idle.set()

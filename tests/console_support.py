"""Driving the console channel in tests: lines in, everything it printed out."""

from __future__ import annotations

import io

from bot.app import App
from bot.channels.console import ConsoleChannel
from bot.delivery import DeliveryWorker


def console(app: App, lines: list[str] | None = None) -> tuple[ConsoleChannel, io.StringIO]:
    """A console on `app` reading `lines` (or nothing), printing to the returned buffer."""
    out = io.StringIO()
    text = "".join(f"{line}\n" for line in lines or [])
    channel = ConsoleChannel(app, stdin=io.StringIO(text), stdout=out)
    channel.worker = DeliveryWorker(app.engine, [channel], app.services.clock)
    return channel, out


async def run_lines(app: App, lines: list[str]) -> str:
    """Run a console over `lines` to the end of input; what it printed."""
    channel, out = console(app, lines)
    await channel.run()
    return out.getvalue()

"""One delivery worker process for the broadcast bench: the real worker and Telegram channel.

Usage: python -m bench.broadcast_worker DATABASE_URL API_URL DATA_DIR
Runs until SIGTERM; then prints its peak RSS in MiB.
"""

from __future__ import annotations

import asyncio
import resource
import signal
import sys
from pathlib import Path

from pydantic import SecretStr

from bench.fake_telegram import TOKEN
from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.delivery import DeliveryWorker


async def work(url: str, api: str, data_dir: str) -> None:
    """Send until told to stop."""
    settings = Settings(_env_file=None, database_url=url, data_dir=Path(data_dir),
                        telegram_token=SecretStr(TOKEN), telegram_api_url=api)
    app = build_app(settings)
    channel = TelegramChannel(app)
    await channel.application.initialize()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    worker = DeliveryWorker(app.engine, [channel], app.services.clock, app.services.outbox_signal)
    print("ready", flush=True)
    try:
        await worker.run_forever(2.0, stop)
    finally:
        await channel.application.shutdown()
        app.engine.dispose()


if __name__ == "__main__":
    asyncio.run(work(*sys.argv[1:4]))
    print(f"rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", flush=True)

"""Run the AI bot's lease holder and connection in a process of its own, until killed.

Usage: python -m tests.processes.aibot_holder DATABASE_URL WS_URL LEASE_SECONDS
"""

from __future__ import annotations

import asyncio
import sys

from bot.channels.wecom_bot_client import BotClient
from bot.channels.wecom_bot_holder import ConnectionHolder
from storage.db import make_engine
from tests.fake_wecom_bot_server import BOT_ID, SECRET


async def hold(database_url: str, ws_url: str, lease_seconds: float) -> None:
    """Hold the connection whenever this process gets the lease."""
    async def ignore(frame: dict) -> None:
        return None

    client = BotClient(ws_url, BOT_ID, SECRET, ignore)
    holder = ConnectionHolder(make_engine(database_url), BOT_ID, lease_seconds, client.run)
    await holder.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(hold(sys.argv[1], sys.argv[2], float(sys.argv[3])))

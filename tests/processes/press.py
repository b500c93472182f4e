"""Send one event as a bound chat account, in a process of its own; print the replies as JSON.

Usage: python -m tests.processes.press DATABASE_URL USER_ID (button PAYLOAD | text TEXT)
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.core.types import Event, EventKind


async def send(url: str, user_id: str, kind: str, value: str) -> list[str]:
    """Handle the event through the real dispatcher."""
    settings = Settings(_env_file=None, database_url=url, telegram_token=None,
                        data_dir=Path(tempfile.mkdtemp()))
    app = build_app(settings)
    event = Event("test", user_id, EventKind.BUTTON, payload=value) if kind == "button" \
        else Event.from_text("test", user_id, value)
    try:
        replies = await app.dispatcher.handle(event)
    finally:
        app.engine.dispose()
    return [reply.text for reply in replies]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(send(*sys.argv[1:5])), ensure_ascii=False))

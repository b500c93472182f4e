"""Queue one push for a person, in a process of its own (as another bot process would).

Usage: python -m tests.processes.queue DATABASE_URL PERSON_ID KEY TEXT
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.core.context import queue_push
from bot.core.types import Reply
from storage.db import unit_of_work


def main(url: str, person_id: str, key: str, text: str) -> None:
    """Queue it and commit."""
    settings = Settings(_env_file=None, database_url=url, telegram_token=None,
                        data_dir=Path(tempfile.mkdtemp()))
    app = build_app(settings)
    with unit_of_work(app.engine) as session:
        queue_push(session, app.services, int(person_id), key, Reply(text), quiet=False)
    app.engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:5])

"""Run the briefing sweep once at a given moment, in a process of its own; print its outcome.

Usage: python -m tests.processes.briefing DATABASE_URL ISO_MOMENT START_FILE

Waits until START_FILE exists, so several processes sweep at the same moment.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from bot.core.clock import FrozenClock
from schedules.briefing import run_briefing


def main(url: str, moment: str, start_file: str) -> None:
    """Sweep once when the start file appears; print the outcome as JSON."""
    settings = Settings(_env_file=None, database_url=url, telegram_token=None,
                        data_dir=Path(tempfile.mkdtemp()))
    app = build_app(settings, clock=FrozenClock(datetime.fromisoformat(moment)))
    while not Path(start_file).exists():
        time.sleep(0.005)
    print(json.dumps(run_briefing(app.engine, app.services)))
    app.engine.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Logging setup: one line per event handled; errors with their traceback."""

from __future__ import annotations

import logging
from pathlib import Path


def configure_logging(level: str, file: Path | None = None) -> None:
    """Log to stderr, or to `file` (the console channel keeps the terminal for the dialog)."""
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "apscheduler", "telegram.ext.Updater"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))

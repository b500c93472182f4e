"""Disk hygiene: files no case or draft needs any more, and exports already sent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from storage.db import unit_of_work
from storage.media import MediaStore
from storage.media_refs import referenced_digests

log = logging.getLogger(__name__)
MEDIA_GRACE = timedelta(days=3)  # longer than a draft lives (reminded at 24 h, gone at 48 h)
EXPORT_KEEP = timedelta(hours=24)


def remove_unreferenced_media(engine: Engine, store: MediaStore, now: datetime) -> int:
    """Delete stored files older than the grace period that no case or draft refers to."""
    cutoff = (now - MEDIA_GRACE).timestamp()
    with unit_of_work(engine, read_only=True) as session:
        needed = referenced_digests(session)
    removed = 0
    for path, digest in store.files():
        if digest not in needed and _older_than(path, cutoff):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def remove_old_exports(folder: Path, now: datetime) -> int:
    """Delete exports older than a day (channels delete theirs once sent; this is the net)."""
    cutoff, removed = (now - EXPORT_KEEP).timestamp(), 0
    for path in folder.glob("*.xlsx") if folder.is_dir() else ():
        if _older_than(path, cutoff):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep_files(engine: Engine, store: MediaStore, exports: Path, now: datetime) -> int:
    """The scheduled job: both sweeps; how many files were removed."""
    removed = remove_unreferenced_media(engine, store, now) + remove_old_exports(exports, now)
    if removed:
        log.info("file sweep removed %d file(s)", removed)
    return removed


def _older_than(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False

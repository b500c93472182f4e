"""Start-up checks: each problem is one line naming the setting; calendar gaps are a warning."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError

from bot.admin import ready_engine, translator
from bot.config import Settings, parse_database_url
from schedules.workdays import IMPORT_COMMAND, default_calendar, refresh_default_calendar

CONNECT_TIMEOUT_SECONDS = 10
log = logging.getLogger(__name__)


class StartupError(Exception):
    """The bot cannot start; `str()` is the one line to print (no secret in it)."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"invalid configuration: {setting}: {reason}")
        self.setting = setting


def check_data_dir(path: Path) -> None:
    """Create the data directory and prove it is writable."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StartupError("LIANDONG_DATA_DIR", f"cannot write to {path} ({reason})") from None


def open_database(settings: Settings) -> Engine:
    """An engine on the migrated database, or a StartupError saying where it could not connect."""
    url = parse_database_url(settings.effective_database_url)
    try:
        if url.get_backend_name() == "postgresql":
            _probe(url)
        return ready_engine(settings)
    except (DBAPIError, OSError) as exc:
        raise StartupError("LIANDONG_DATABASE_URL", _describe(url, exc)) from None


def _probe(url: URL) -> None:
    """Connect once with a timeout, so an unreachable server fails fast instead of hanging."""
    engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    finally:
        engine.dispose()


def _describe(url: URL, exc: Exception) -> str:
    """Where the database is and why it failed; the password is never part of it."""
    reason = _reason(exc)
    if url.password:
        reason = reason.replace(str(url.password), "***")
    if url.get_backend_name() == "sqlite":
        return f"cannot open the SQLite database {url.database} ({reason})"
    where = f"{url.host}:{url.port or 5432}" if url.host else "the local socket"
    return f"cannot connect to PostgreSQL at {where} ({reason})"


def _reason(exc: Exception) -> str:
    """The driver's own words, last part of the first line: 'Connection refused' and the like."""
    original = getattr(exc, "orig", None) or exc
    if isinstance(original, OSError) and original.strerror:
        return original.strerror
    first_line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return first_line.rsplit(": ", 1)[-1].strip() or type(original).__name__


def load_work_calendar(engine: Engine, today: date) -> list[int]:
    """Read the imported holiday schedules into this process's calendar; return the years of
    `today` and the next that neither an import nor the chinesecalendar package covers.
    """
    refresh_default_calendar(engine)
    return default_calendar().uncovered_years(today)


def warn_calendar_gaps(settings: Settings, years: Sequence[int], out: TextIO | None = None) -> None:
    """Log that `years` count Monday to Friday; on the console also tell the operator in a line."""
    if not years:
        return
    shown = ", ".join(map(str, years))
    log.warning("no holiday schedule for %s: working days there are counted Monday to Friday;"
                " import the State Council's schedule with `%s`", shown, IMPORT_COMMAND)
    if out is not None:
        t = translator(settings)
        print(t("calendar.uncovered", years=t("common.list_sep").join(map(str, years))),
              file=out, flush=True)

"""What `liandong export cases --out FILE.xlsx` does: write the 问题清单 workbook."""

from __future__ import annotations

from pathlib import Path

from bot.admin import ready_engine
from bot.config import Settings
from bot.core.clock import Clock
from handlers.cases.case_export import export_cases
from storage.db import unit_of_work


def export_cases_file(settings: Settings, out: Path) -> str:
    """Write every case to `out` (an .xlsx file); say how many and where."""
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    engine = ready_engine(settings)
    try:
        with unit_of_work(engine) as session:
            count = export_cases(session, out, Clock().utcnow(), settings.tz, settings.locale)
    finally:
        engine.dispose()
    return f"{count} cases written to {out}"

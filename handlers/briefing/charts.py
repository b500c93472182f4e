"""The briefing's two charts (ranking; open and overdue by squad) as PNG files, or as text."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.charts import CaseRow, ChartOrText, Marks, RankRow
from bot.core.types import Attachment
from bot.i18n import Translator
from handlers.briefing.state import BriefingState


@dataclass(frozen=True)
class Drawn:
    """The charts of one briefing in one language: PNG attachments, or text where drawing failed."""

    attachments: tuple[Attachment, ...]
    text: str


def rows(state: BriefingState) -> tuple[list[RankRow], list[CaseRow]]:
    """Ranked squads in ranking order (ties already broken), and every squad's open cases."""
    ranked = [RankRow(s.name, s.score, red_flag=s.id == state.red_flag,
                      flagged=s.id in state.flagged) for s in state.ranking.ranked]
    order = [s.id for s in state.ranking.ranked + state.ranking.unranked]
    squads = sorted(state.figures.squads, key=lambda s: order.index(s.id)
                    if s.id in order else len(order))
    cases = [CaseRow(s.name, s.counts.open, s.counts.overdue) for s in squads]
    return ranked, cases


def save_png(folder: Path, data: bytes) -> Path:
    """Write the PNG under its SHA-256 (written once, atomically); its path."""
    path = folder / f"{hashlib.sha256(data).hexdigest()}.png"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".png")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    return path


def draw(t: Translator, state: BriefingState, folder: Path, drawer: ChartOrText) -> Drawn:
    """Both charts in the reader's language; a chart that cannot be drawn comes back as text."""
    ranked, cases = rows(state)
    marks = Marks(t("briefing.red_flag"), t("briefing.flagged"))
    legend = (t("briefing.chart.open"), t("briefing.chart.overdue"))
    made = []
    if ranked:
        made.append(drawer.ranking(t("briefing.chart.ranking"), ranked, marks))
    if cases:
        made.append(drawer.cases(t("briefing.chart.cases"), cases, legend))
    files, texts = [], []
    for number, chart in enumerate(made, start=1):
        if isinstance(chart, bytes):
            path = save_png(folder, chart)
            files.append(Attachment(str(path), f"{t('briefing.chart.file')}-{number}.png",
                                    is_photo=True))
        else:
            texts.append(chart)
    return Drawn(tuple(files), "\n\n".join(texts))

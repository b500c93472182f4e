"""The daily briefing's charts (每日调度通报): PNG drawn with Pillow in a bundled font, or text."""

from __future__ import annotations

import functools
import io
import logging
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pylopdf_fonts_zh_cn
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

WIDTH, PAD, GAP, ROW, BAR = 960, 24, 10, 34, 22  # pixels
TITLE_SIZE, LABEL_SIZE = 26, 18
NAME_MAX, WORD_MAX = 300, 160  # pixels: a longer squad name or mark word ends in …
MAX_SIDES, MAX_RATIO = 10_000, 20  # Telegram's photo limits: width + height, long : short side
TEXT_CELLS, TEXT_NAME_COLUMNS = 12, 32  # text fallback: full bar in blocks, name in columns
ELLIPSIS = "…"
EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
PAPER, INK, MUTED, RULE = "#ffffff", "#1f2933", "#52606d", "#cbd2d9"
BLUE, AMBER, RED = "#3b82c4", "#e8a33d", "#d64545"


@dataclass(frozen=True)
class RankRow:
    """A squad in the ranking: its published score, the red flag (流动红旗), flagged (约谈)."""

    name: str
    score: float
    red_flag: bool = False
    flagged: bool = False


@dataclass(frozen=True)
class CaseRow:
    """A squad's open cases and, of those, the overdue ones."""

    name: str
    open: int
    overdue: int

    def __post_init__(self) -> None:
        """Overdue cases are open cases, so 0 <= overdue <= open."""
        if not 0 <= self.overdue <= self.open:
            raise ValueError(f"{self.name}: need 0 <= overdue ({self.overdue}) "
                             f"<= open ({self.open})")


@dataclass(frozen=True)
class Marks:
    """Words shown beside the red-flag holder and the flagged squads, in the reader's language."""

    red_flag: str = ""
    flagged: str = ""


def ranked(rows: Sequence[RankRow]) -> list[tuple[int, RankRow]]:
    """Best score first, with competition ranks (equal scores share one: 1, 2, 2, 4)."""
    ordered = sorted(rows, key=lambda row: -row.score)
    result: list[tuple[int, RankRow]] = []
    for position, row in enumerate(ordered, start=1):
        same = result and result[-1][1].score == row.score
        result.append((result[-1][0] if same else position, row))
    return result


def score_text(score: float) -> str:
    """A score with at most one decimal: 92.5, 80."""
    return f"{score:.1f}".removesuffix(".0")


@functools.cache
def bundled_font() -> Path:
    """Noto Sans SC Regular (SIL OFL 1.1), located through the pylopdf-fonts-zh-cn package."""
    return Path(pylopdf_fonts_zh_cn.sans_path())


def load_font(size: int, path: Path | None = None) -> ImageFont.FreeTypeFont:
    """The font at `path` (default: the bundled one) in `size` pixels, opened once per thread."""
    return _thread_font(str(path or bundled_font()), size, threading.get_ident())


@functools.lru_cache(maxsize=32)
def _thread_font(path: str, size: int, thread: int) -> ImageFont.FreeTypeFont:
    """Keyed by `thread` too: a FreeType face must not be used by two threads at once."""
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


def fit(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """`text` if it is at most `width` pixels wide, else its longest start that fits with …."""
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle] + ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS


class _Chart:
    """A white canvas with the title drawn, rows below; checked against Telegram's limits."""

    def __init__(self, title: str, rows: int, font_path: Path | None, header: int = 0) -> None:
        self.label = load_font(LABEL_SIZE, font_path)
        title_font = load_font(TITLE_SIZE, font_path)
        self.top = PAD + TITLE_SIZE + GAP + header
        height = self.top + rows * ROW + PAD
        if WIDTH + height > MAX_SIDES or height > MAX_RATIO * WIDTH:
            raise ValueError(f"{rows} rows make a {WIDTH}x{height} chart, too large to send")
        self.image = Image.new("RGB", (WIDTH, height), PAPER)
        self.draw = ImageDraw.Draw(self.image)
        self.draw.text((PAD, PAD), fit(title, title_font, WIDTH - 2 * PAD), font=title_font,
                       fill=INK, anchor="lt")

    def middle(self, index: int) -> int:
        """The vertical middle of row `index`."""
        return self.top + index * ROW + ROW // 2

    def bar(self, x: float, middle: int, length: float, fill: str) -> None:
        """A bar `length` pixels long from `x`, centred on `middle`; nothing for length 0."""
        if length >= 1:
            self.draw.rectangle((x, middle - BAR // 2, x + length, middle + BAR // 2), fill=fill)

    def text(self, x: float, middle: int, text: str, fill: str = INK, anchor: str = "lm") -> float:
        """`text` at `x`, vertically centred on `middle`; its width."""
        self.draw.text((x, middle), text, font=self.label, fill=fill, anchor=anchor)
        return self.label.getlength(text)

    def png(self) -> bytes:
        """The image as PNG in 64 colours: a third of the RGB size, and quicker to encode."""
        buffer = io.BytesIO()
        self.image.quantize(64, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
        return buffer.getvalue()


def _names_width(chart: _Chart, names: Sequence[str]) -> float:
    return min(NAME_MAX, max((chart.label.getlength(name) for name in names), default=0))


def _flag(draw: ImageDraw.ImageDraw, x: float, middle: int) -> float:
    """A small red flag on a pole (emoji are not in the font); its width."""
    top = middle - 10
    draw.line((x + 1, top, x + 1, middle + 10), fill=INK, width=2)
    draw.polygon(((x + 2, top), (x + 17, top + 2), (x + 17, top + 11), (x + 2, top + 10)),
                 fill=RED)
    return 20


def _badge_width(chart: _Chart, word: str) -> float:
    return chart.label.getlength(word or "!") + 12


def _badge(chart: _Chart, x: float, middle: int, word: str) -> float:
    """The flagged squads' mark: `word` (or !) white on red; its width."""
    width = _badge_width(chart, word)
    chart.draw.rounded_rectangle((x, middle - 12, x + width, middle + 12), radius=6, fill=RED)
    chart.text(x + 6, middle, word or "!", fill=PAPER)
    return width


def _marks_width(chart: _Chart, row: RankRow, marks: Marks) -> float:
    width = chart.label.getlength(score_text(row.score))
    if row.red_flag:
        width += GAP + 20 + (chart.label.getlength(marks.red_flag) + 4 if marks.red_flag else 0)
    if row.flagged:
        width += GAP + _badge_width(chart, marks.flagged)
    return width


def _draw_marks(chart: _Chart, x: float, middle: int, row: RankRow, marks: Marks) -> None:
    x += chart.text(x, middle, score_text(row.score)) + GAP
    if row.red_flag:
        x += _flag(chart.draw, x, middle)
        if marks.red_flag:
            x += chart.text(x + 4, middle, marks.red_flag, fill=RED) + 4
        x += GAP
    if row.flagged:
        _badge(chart, x, middle, marks.flagged)


def ranking_chart(title: str, rows: Sequence[RankRow], marks: Marks = Marks(), *,
                  font_path: Path | None = None) -> bytes:
    """Squads' scores as horizontal bars, best at the top, with rank, name, score and marks."""
    order = ranked(rows)
    chart = _Chart(title, len(order), font_path)
    marks = Marks(*(fit(word, chart.label, WORD_MAX) for word in (marks.red_flag, marks.flagged)))
    rank_width = chart.label.getlength(str(order[-1][0])) if order else 0
    name_x = PAD + rank_width + GAP
    bar_x = name_x + _names_width(chart, [row.name for _, row in order]) + GAP
    room = WIDTH - PAD - bar_x - GAP - max((_marks_width(chart, r, marks) for _, r in order),
                                           default=0)
    top = max((row.score for _, row in order), default=0)
    chart.draw.line((bar_x, chart.top, bar_x, chart.top + len(order) * ROW), fill=RULE)
    for index, (rank, row) in enumerate(order):
        middle = chart.middle(index)
        chart.text(name_x - GAP, middle, str(rank), fill=MUTED, anchor="rm")
        chart.text(name_x, middle, fit(row.name, chart.label, NAME_MAX))
        length = room * max(row.score, 0) / top if top > 0 else 0
        chart.bar(bar_x, middle, length, AMBER if row.flagged else BLUE)
        _draw_marks(chart, bar_x + length + GAP, middle, row, marks)
    return chart.png()


def _legend(chart: _Chart, legend: tuple[str, str]) -> None:
    middle, x = PAD + TITLE_SIZE + GAP + ROW // 2, float(PAD)
    for word, fill in zip(legend, (BLUE, RED), strict=True):
        chart.draw.rectangle((x, middle - 7, x + 14, middle + 7), fill=fill)
        x += 14 + 6 + chart.text(x + 20, middle, fit(word, chart.label, WORD_MAX)) + 2 * GAP


def cases_chart(title: str, rows: Sequence[CaseRow], legend: tuple[str, str], *,
                font_path: Path | None = None) -> bytes:
    """Open cases per squad as bars, the overdue part in red, with both numbers; in row order.

    `legend` names the two colours: (open, overdue), e.g. ("未办结", "逾期").
    """
    chart = _Chart(title, len(rows), font_path, header=ROW)
    _legend(chart, legend)
    bar_x = PAD + _names_width(chart, [row.name for row in rows]) + GAP
    numbers = max((chart.label.getlength(f"{r.open}  {r.overdue}") for r in rows), default=0)
    room = WIDTH - PAD - bar_x - GAP - numbers
    top = max((row.open for row in rows), default=0)
    chart.draw.line((bar_x, chart.top, bar_x, chart.top + len(rows) * ROW), fill=RULE)
    for index, row in enumerate(rows):
        middle = chart.middle(index)
        chart.text(PAD, middle, fit(row.name, chart.label, NAME_MAX))
        length = room * row.open / top if top else 0
        chart.bar(bar_x, middle, length, BLUE)
        chart.bar(bar_x, middle, room * row.overdue / top if top else 0, RED)
        x = bar_x + length + GAP + chart.text(bar_x + length + GAP, middle, str(row.open))
        if row.overdue:
            chart.text(x + chart.label.getlength("  "), middle, str(row.overdue), fill=RED)
    return chart.png()


def text_bar(value: float, top: float, cells: int = TEXT_CELLS) -> str:
    """`value` as block characters in eighths, `cells` full blocks at `top`; a sliver above 0."""
    if value <= 0 or top <= 0:
        return ""
    eighths = max(1, round(min(value, top) / top * cells * 8))
    return "█" * (eighths // 8) + EIGHTHS[eighths % 8]


def short(name: str, columns: int = TEXT_NAME_COLUMNS) -> str:
    """`name` cut to `columns` display columns (a Chinese character takes two), ending in …."""
    widths = [2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in name]
    if sum(widths) <= columns:
        return name
    used, end = 0, 0
    while used + widths[end] <= columns - 1:
        used += widths[end]
        end += 1
    return name[:end] + ELLIPSIS


def _line(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def ranking_text(title: str, rows: Sequence[RankRow], marks: Marks = Marks()) -> str:
    """The ranking as lines: rank, a bar of blocks, score, name, marks; best first."""
    order = ranked(rows)
    top = max((row.score for _, row in order), default=0)
    return "\n".join([title, *(_line(
        f"{rank}.", text_bar(row.score, top), score_text(row.score), short(row.name),
        f"🚩{marks.red_flag}" if row.red_flag else "",
        f"⚠️{marks.flagged}" if row.flagged else "") for rank, row in order)])


def cases_text(title: str, rows: Sequence[CaseRow], legend: tuple[str, str]) -> str:
    """Open and overdue cases as lines: name, a bar of blocks for open, both numbers."""
    top = max((row.open for row in rows), default=0)
    return "\n".join([title, *(_line(
        short(row.name), text_bar(row.open, top), f"{legend[0]} {row.open} ·",
        f"{legend[1]} {row.overdue}") for row in rows)])


class ChartOrText:
    """Draws a chart as PNG, or renders it as text when drawing fails, warning only once."""

    def __init__(self, font_path: Path | None = None) -> None:
        """Draw with the font at `font_path` (default: the bundled Noto Sans SC)."""
        self.font_path = font_path
        self._warned = False

    def ranking(self, title: str, rows: Sequence[RankRow],
                marks: Marks = Marks()) -> bytes | str:
        """`ranking_chart` as PNG bytes, or `ranking_text` if it cannot be drawn."""
        return self._either(
            lambda: ranking_chart(title, rows, marks, font_path=self.font_path),
            lambda: ranking_text(title, rows, marks))

    def cases(self, title: str, rows: Sequence[CaseRow],
              legend: tuple[str, str]) -> bytes | str:
        """`cases_chart` as PNG bytes, or `cases_text` if it cannot be drawn."""
        return self._either(
            lambda: cases_chart(title, rows, legend, font_path=self.font_path),
            lambda: cases_text(title, rows, legend))

    def _either(self, chart: Callable[[], bytes], text: Callable[[], str]) -> bytes | str:
        try:
            return chart()
        except Exception as error:
            if not self._warned:
                self._warned = True
                log.warning("charts cannot be drawn (%s: %s); sending them as text",
                            type(error).__name__, error)
            return text()


@functools.cache
def chart_or_text() -> ChartOrText:
    """The process-wide drawer with the bundled font, so a failure warns once per process."""
    return ChartOrText()

"""Time the briefing's two charts for 25 and 200 squads; print their PNG sizes and dimensions.

Run: python -m bench.charts [--repeat N]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from collections.abc import Callable

from PIL import Image

from bot.charts import CaseRow, Marks, RankRow, cases_chart, load_font, ranking_chart
from storage.demo import AREAS, INSPECTION_GROUPS, TOWNSHIPS

NAMES = ([f"{name}工作专班" for _, name, _, _ in AREAS] + list(INSPECTION_GROUPS)
         + [f"{township}代表小组" for township in TOWNSHIPS])


def squad_names(count: int) -> list[str]:
    """`count` distinct names: the demo county's groups, then numbered copies of them."""
    return [NAMES[i % len(NAMES)] + (f"{i // len(NAMES) + 1}" if i >= len(NAMES) else "")
            for i in range(count)]


def rank_rows(rng: random.Random, count: int) -> list[RankRow]:
    """Random scores, the red flag on one squad, three flagged."""
    flagged = set(rng.sample(range(count), 3))
    return [RankRow(name, round(rng.uniform(40, 100), 1), red_flag=i == 0, flagged=i in flagged)
            for i, name in enumerate(squad_names(count))]


def case_rows(rng: random.Random, count: int) -> list[CaseRow]:
    """Random open counts, up to half of them overdue."""
    rows = []
    for name in squad_names(count):
        open_cases = rng.randint(0, 60)
        rows.append(CaseRow(name, open_cases, rng.randint(0, open_cases // 2)))
    return rows


def measure(draw: Callable[[], bytes], repeat: int) -> tuple[float, bytes]:
    """Median milliseconds of `repeat` draws, and the last PNG."""
    times, png = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        png = draw()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), png


def main() -> None:
    """Print one line per chart and squad count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    rng = random.Random(2026)
    start = time.perf_counter()
    load_font(18)
    print(f"font opened in {(time.perf_counter() - start) * 1000:.1f} ms")
    for count in (25, 200):
        ranks, cases = rank_rows(rng, count), case_rows(rng, count)
        for label, draw in (
                ("ranking", lambda r=ranks: ranking_chart("排名", r, Marks("流动红旗", "约谈"))),
                ("cases", lambda c=cases: cases_chart("未办结与逾期", c, ("未办结", "逾期")))):
            millis, png = measure(draw, repeat)
            width, height = Image.open(io.BytesIO(png)).size
            print(f"{label:8} {count:4} squads: {millis:7.1f} ms  {len(png) / 1024:7.1f} KiB  "
                  f"{width}x{height}")


if __name__ == "__main__":
    main()

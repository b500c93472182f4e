"""The briefing in the console: `/briefing` prints the text and each chart as a file path line,
and the 16:30 briefing pushed to the person played is printed in full.
"""

from __future__ import annotations

from pathlib import Path

from schedules.briefing import run_briefing
from tests.briefing_support import give_cases, sh, squads
from tests.console_support import run_lines


async def test_briefing_in_the_console_prints_the_charts_as_file_paths(app, demo):
    strong, weak = squads(app.engine)[:2]
    give_cases(app.engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(app.engine, weak, sh(20, 9), assigned=3, closed=1)
    out = await run_lines(app, ["/briefing"])
    assert "📊 每日调度通报 · 2026-11-23\n【全县】" in out
    paths = [line.split(": ", 1)[1] for line in out.splitlines()
             if line.startswith("📎 调度通报图表-")]
    assert len(paths) == 2
    assert all(Path(path).read_bytes().startswith(b"\x89PNG") for path in paths)


async def test_the_pushed_briefing_reaches_the_staff_member_played(app, demo, clock):
    clock.set(sh(23, 16, 30))
    assert run_briefing(app.engine, app.services) == {"daily": "sent"}
    out = await run_lines(app, [])
    assert "📊 每日调度通报 · 2026-11-23\n【全县】\n今日新增 0 · 累计 0" in out

"""Scenario 5 on every channel: /briefing for the office staff shows the squads' ranking, with
the two charts as pictures (the console names the files it would show).
"""

from __future__ import annotations

from tests.briefing_support import give_cases, sh, squads
from tests.factories import make_cast


async def test_briefing_shows_the_ranking_and_its_charts(driver, engine):
    cast = make_cast(engine)
    strong, weak = squads(engine)[:2]
    give_cases(engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(engine, weak, sh(20, 9), assigned=3, closed=1)
    staff = await driver.as_person(cast.staff.phone)

    answer = await driver.send("/briefing")
    assert "📊 每日调度通报 · 2026-11-23" in answer
    assert "【全县】" in answer and "销号 4" in answer
    # both squads: 3 handed over, all on time, the same activity; 60×整改率 makes the gap:
    # 60×3/3 − 60×1/3 = 40 points
    assert f"1. {strong.name} 86.6\n2. {weak.name} 46.6" in answer
    charts = [shown for shown in driver.screen(staff) if shown.kind == "photo"]
    assert len(charts) == 2

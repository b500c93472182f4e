"""The briefing's marks and extra kinds: the red flag (流动红旗) of the ten-day contest, the 约谈
flag for last twice in a row, the weekly summary, and the text-only charts when drawing fails.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from bot.charts import ChartOrText
from schedules.briefing import run_briefing
from storage.db import unit_of_work
from storage.models import Person
from tests.briefing_support import briefing_rows, give_cases, push_to, sh, squads
from tests.factories import Cast, make_cast


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _staff_text(app, cast, kind: str) -> str:
    briefing = [b for b in briefing_rows(app.engine) if b.kind == kind][-1]
    return push_to(app.engine, cast.staff.id, briefing.id).payload["text"]


def test_the_contest_winner_holds_the_red_flag_until_the_next_contest(app, clock, cast):
    strong, weak = squads(app.engine)[:2]
    give_cases(app.engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(app.engine, weak, sh(20, 9), assigned=3, closed=1)
    app.settings.campaign_start = date(2026, 11, 14)  # Monday 23 November is day 10
    clock.set(sh(23, 16, 30))
    assert run_briefing(app.engine, app.services) == {"contest": "sent", "daily": "sent"}
    contest = _staff_text(app, cast, "contest")
    assert contest.startswith("🏁 擂台赛评比 · 2026-11-23 · 第10天")
    assert f"本期擂台赛第一名：{strong.name}，获得流动红旗" in contest
    daily = _staff_text(app, cast, "daily")
    line = next(x for x in daily.splitlines() if x.startswith(f"1. {strong.name}"))
    assert line.endswith("🚩流动红旗")
    assert "🚩" not in next(x for x in daily.splitlines() if x.startswith(f"2. {weak.name}"))
    clock.set(sh(24, 16, 30))  # day 11: no contest, the flag stays
    assert run_briefing(app.engine, app.services) == {"daily": "sent"}
    line = next(x for x in _staff_text(app, cast, "daily").splitlines()
                if x.startswith(f"1. {strong.name}"))
    assert line.endswith("🚩流动红旗")
    assert [b.figures["winner"] for b in briefing_rows(app.engine) if b.kind == "contest"] \
        == [strong.id]


def test_last_in_two_daily_briefings_in_a_row_is_flagged_for_interview(app, clock, cast):
    strong, weak = squads(app.engine)[:2]
    give_cases(app.engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(app.engine, weak, sh(20, 9), assigned=3, closed=0)
    clock.set(sh(23, 16, 30))
    run_briefing(app.engine, app.services)
    assert "约谈" not in _staff_text(app, cast, "daily").replace("列为约谈对象", "")
    clock.set(sh(24, 16, 30))
    run_briefing(app.engine, app.services)
    lines = _staff_text(app, cast, "daily").splitlines()
    assert next(x for x in lines if x.startswith(f"2. {weak.name}")).endswith("⚠️约谈")
    assert not next(x for x in lines if x.startswith(f"1. {strong.name}")).endswith("⚠️约谈")


def test_friday_brings_the_weekly_summary_with_the_weeks_figures(app, clock, cast):
    squad = squads(app.engine)[0]
    give_cases(app.engine, squad, sh(20, 9), assigned=3, closed=1)  # reported on the 10th
    clock.set(sh(27, 16, 30))  # Friday
    assert run_briefing(app.engine, app.services) == {"weekly": "sent", "daily": "sent"}
    weekly = _staff_text(app, cast, "weekly")
    assert weekly.startswith("📅 一周一小结 · 2026-11-27")
    assert "本周新增 0 · 累计 3 · 受理 3 · 交办 3 · 本周整改 0 · 销号 1" in weekly


def test_when_charts_cannot_be_drawn_they_come_as_text_with_one_warning(app, clock, cast,
                                                                       caplog):
    strong, weak = squads(app.engine)[:2]
    give_cases(app.engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(app.engine, weak, sh(20, 9), assigned=3, closed=1)
    with unit_of_work(app.engine) as session:
        english = session.get(Person, cast.reporter.id)
        english.locale = "en"
        session.add(english)
    caplog.set_level(logging.WARNING)
    broken = ChartOrText(font_path=Path("/nonexistent/font.ttf"))
    clock.set(sh(23, 16, 30))
    run_briefing(app.engine, app.services, drawer=broken)
    [briefing] = briefing_rows(app.engine)
    staff = push_to(app.engine, cast.staff.id, briefing.id).payload
    assert staff["attachments"] == []
    assert "专班排名（得分）\n1. ████████████" in staff["text"]
    assert "各专班未办结与逾期问题" in staff["text"]
    reporter = push_to(app.engine, cast.reporter.id, briefing.id).payload
    assert reporter["attachments"] == [] and "Squad ranking (score)\n1. " in reporter["text"]
    warnings = [r for r in caplog.records if "charts cannot be drawn" in r.getMessage()]
    assert len(warnings) == 1


def test_the_charts_are_attached_as_photos_when_they_can_be_drawn(app, clock, cast):
    strong, weak = squads(app.engine)[:2]
    give_cases(app.engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(app.engine, weak, sh(20, 9), assigned=3, closed=1)
    clock.set(sh(23, 16, 30))
    run_briefing(app.engine, app.services)
    [briefing] = briefing_rows(app.engine)
    attachments = push_to(app.engine, cast.staff.id, briefing.id).payload["attachments"]
    assert [a[2] for a in attachments] == [True, True]  # two photos: ranking, open/overdue
    assert all(Path(a[0]).read_bytes().startswith(b"\x89PNG") for a in attachments)
    assert "████" not in push_to(app.engine, cast.staff.id, briefing.id).payload["text"]

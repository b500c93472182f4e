"""The demo county's activities: /agenda, /roster and /mystats show something at once, and the
duty export covers every demo delegate.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.demo_activities import PLANS, load_demo_activities
from bot.demo_cases import load_demo_cases
from handlers.activities.duty_export import export_duty
from storage.activity_models import Activity, ActivityLog
from storage.db import unit_of_work
from storage.models import Person
from tests.console_support import run_lines
from tests.given import count

EXAMPLE, LEADER = "13700000001", "13700000003"


@pytest.fixture
def county(app, demo, clock):
    with unit_of_work(app.engine) as session:
        load_demo_cases(session, clock.utcnow(), app.settings.tz, app.services.media)
        added = load_demo_activities(session, clock.utcnow(), app.settings.tz,
                                     app.services.media)
    assert added == len(PLANS) + 1
    return app


async def test_the_demo_shows_an_agenda_a_roster_with_a_waitlist_and_a_duty_record(county):
    with unit_of_work(county.engine) as session:
        inspection = session.exec(select(Activity).where(
            Activity.title == "河道整治现场视察")).one()
    output = await run_lines(county, [
        f"/as {EXAMPLE}", "/agenda", "/mystats", f"/as {LEADER}", f"/roster {inspection.id}"])
    agenda = output.split("/agenda", 1)[1].split("/mystats", 1)[0]
    assert "每周联席会议" in agenda and "河道整治现场视察" in agenda and "监督法专题培训" in agenda
    assert "履职擂台赛" in agenda  # six days ahead: within the week
    stats = output.split("/mystats", 1)[1]
    assert "视察调研 1 次" in stats and "参加会议 1 次" in stats and "培训 1 次，3.0 小时" in stats
    roster = output.rsplit("/roster", 1)[1]
    assert "已报名（5）" in roster and "候补（2）" in roster and "名额：已报 5/5" in roster
    with unit_of_work(county.engine) as session:
        logged = session.exec(select(ActivityLog.activity_id)).all()
    assert len(logged) == 3


async def test_a_second_load_adds_nothing_and_the_export_covers_every_delegate(
        county, clock, tmp_path):
    with unit_of_work(county.engine) as session:
        assert load_demo_activities(session, clock.utcnow(), county.settings.tz,
                                    county.services.media) == 0
        written = export_duty(session, tmp_path / "d.xlsx", 2026, clock.utcnow(),
                              county.settings.tz, "zh_CN")
    assert count(county.engine, Activity) == len(PLANS) + 1
    assert written == count(county.engine, Person, Person.level.is_not(None), Person.active)
    book = load_workbook(tmp_path / "d.xlsx", read_only=True)
    assert len(list(book[book.sheetnames[0]].iter_rows())) == written + 1

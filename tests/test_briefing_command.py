"""`/briefing` for staff and leadership: the county's or one squad's figures at once."""

from __future__ import annotations

import pytest

from schedules.briefing import run_briefing
from storage.db import unit_of_work
from storage.models import Person
from tests.briefing_support import give_cases, pushes, sh, squads
from tests.factories import Cast, make_cast
from tests.given import bound, zh


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


async def test_staff_get_the_county_briefing_at_once_as_a_reply(app, clock, cast):
    strong, weak = squads(app.engine)[:2]
    give_cases(app.engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(app.engine, weak, sh(20, 9), assigned=3, closed=1)
    staff = await bound(app, cast.staff, "9801")
    replies = await staff.send("/briefing")
    assert replies[0].text.startswith("📊 每日调度通报 · 2026-11-23")
    assert "【全县】\n今日新增 0 · 累计 6 · 受理 6 · 交办 6 · 今日整改 0 · 销号 4 · 逾期 0 · " \
           "整改率 66.7%" in replies[0].text
    assert f"1. {strong.name}" in replies[0].text and "评分规则" in replies[0].text
    assert [a.is_photo for a in replies[0].attachments] == [True, True]
    assert pushes(app.engine) == []  # a reply, not a push


async def test_one_squad_by_name_or_id_and_an_unknown_name(app, clock, cast):
    squad = squads(app.engine)[0]
    give_cases(app.engine, squad, sh(20, 9), assigned=3, closed=1)
    staff = await bound(app, cast.staff, "9802")
    await staff.send(f"/briefing {squad.name}")
    assert f"【{squad.name}】\n今日新增 0 · 累计 3" in staff.text and "【全县】" not in staff.text
    await staff.send(f"/briefing {squad.id}")
    assert f"【{squad.name}】" in staff.text
    await staff.send("/briefing 不存在的专班")
    assert staff.text.startswith("没有找到专班“不存在的专班”。可查询的专班：")


async def test_a_delegate_may_not_ask_for_the_briefing(app, clock, cast):
    delegate = await bound(app, cast.reporter, "9803")
    await delegate.send("/briefing")
    assert delegate.text == zh(app)("common.not_allowed")


async def test_change_is_counted_from_the_briefing_already_sent_today(app, clock, cast):
    squad = squads(app.engine)[0]
    give_cases(app.engine, squad, sh(20, 9), assigned=3, closed=1)
    clock.set(sh(23, 16, 30))
    run_briefing(app.engine, app.services)
    give_cases(app.engine, squad, sh(23, 9), assigned=1, closed=1)
    staff = await bound(app, cast.staff, "9804")
    await staff.send("/briefing")
    assert "较上次：累计 +1 · 销号 +1 · 逾期 ±0" in staff.text


async def test_english_readers_get_it_in_english(app, clock, cast):
    with unit_of_work(app.engine) as session:
        person = session.get(Person, cast.staff.id)
        person.locale = "en"
        session.add(person)
    staff = await bound(app, cast.staff, "9805")
    await staff.send("/briefing")
    assert staff.text.startswith("📊 Daily briefing · 2026-11-23")
    assert "Score = 60 × fix rate" in staff.text

"""Townships are a list: buttons with the reporter's own first; typed text matched or refused."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage import townships
from storage.case_models import Case
from storage.db import unit_of_work
from tests.factories import Cast, make_cast
from tests.given import bound, conversation_of
from tests.report_steps import number_in, to_description

LAMPS = "青禾大道东段路灯连续两周不亮，夜间行人安全隐患大"


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


async def _at_township(app, cast: Cast, user_id: str):
    dialog = await bound(app, cast.reporter, user_id)
    await to_description(dialog, cast.area.name_zh)
    await dialog.send(LAMPS)
    await dialog.press("完成")
    await dialog.press("跳过")
    assert "第5步" in dialog.text
    return dialog


async def test_the_reporters_township_comes_first_and_all_are_buttons(app, cast):
    dialog = await _at_township(app, cast, "9911")
    labels = dialog.labels()
    assert labels[0] == f"使用：{cast.reporter.township}"
    with unit_of_work(app.engine) as session:
        every = townships.known(session)
    assert len(labels) == len(every) == 14 and set(labels[1:]) < set(every)
    await dialog.press(labels[3])
    assert f"乡镇：{labels[3]}" in dialog.text


@pytest.mark.parametrize("typed", ["2", "火星镇", "镇", "青"])
async def test_a_township_not_on_the_list_is_refused(app, cast, typed):
    dialog = await _at_township(app, cast, "9912")
    await dialog.send(typed)
    assert f"没有找到名为“{typed}”的乡镇" in dialog.text
    assert conversation_of(app.engine, cast.reporter.id).state == "township"


async def test_a_township_typed_short_is_matched_to_the_list(app, cast):
    dialog = await _at_township(app, cast, "9913")
    await dialog.send("青石")
    assert "乡镇：青石镇" in dialog.text
    await dialog.press("提交")
    with unit_of_work(app.engine) as session:
        case = session.exec(select(Case).where(Case.number == number_in(dialog.text))).one()
    assert case.township == "青石镇"


def test_match_rules():
    names = ["青石镇", "柳溪乡", "城关街道", "青山镇"]
    assert townships.match("青石", names) == "青石镇"
    assert townships.match(" 柳溪乡 ", names) == "柳溪乡"
    assert townships.match("城关", names) == "城关街道"
    assert townships.match("青", names) is None  # two start with 青
    assert townships.match("火星镇", names) is None
    assert townships.configured("北岭镇，南坡乡、 东湖街道") == ["北岭镇", "南坡乡", "东湖街道"]

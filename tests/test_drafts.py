"""A draft is not thrown away unasked: /cancel and a new dialog over an unfinished one ask."""

from __future__ import annotations

import pytest

from storage.case_models import CaseStatus
from storage.db import unit_of_work
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, conversation_of, zh
from tests.report_steps import to_preview

LAMPS = "青禾大道东段路灯连续两周不亮，夜间行人安全隐患大"


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


async def test_a_new_report_over_a_finished_preview_asks_first(app, cast):
    dialog = await bound(app, cast.reporter, "9801")
    await to_preview(dialog, cast.area.name_zh, LAMPS)
    await dialog.send("/report")
    t = zh(app)
    assert dialog.text == t("drafts.unfinished", flow=t("drafts.flow.report"))
    assert conversation_of(app.engine, cast.reporter.id).state == "preview"
    await dialog.press("继续填写")
    assert conversation_of(app.engine, cast.reporter.id).data["description"] == LAMPS

    await dialog.send("/report")
    await dialog.press("放弃草稿并继续")
    assert "第1步" in dialog.text
    draft = conversation_of(app.engine, cast.reporter.id)
    assert draft.state == "area" and "description" not in draft.data


async def test_a_dialog_on_another_case_asks_before_dropping_a_half_written_fix(app, clock,
                                                                              cast):
    with unit_of_work(app.engine) as session:
        first, second = (make_case(session, clock.utcnow(), reporter=cast.reporter,
                                   group=cast.group, status=CaseStatus.IN_PROGRESS,
                                   department=cast.department, description=text)
                         for text in ("东段路灯不亮，已两周无人维修", "西段人行道破损积水严重"))
    liaison = await bound(app, cast.liaison, "9802")
    await liaison.press(f"c:fix:{first.id}")
    await liaison.send("已更换全部灯具")  # now waiting for evidence photos
    await liaison.press(f"c:upd:{second.id}")
    assert "未完成的“问题办理”草稿" in liaison.text
    assert conversation_of(app.engine, cast.liaison.id).data["case_id"] == first.id
    await liaison.press("放弃草稿并继续")
    assert second.number in liaison.text
    assert conversation_of(app.engine, cast.liaison.id).data == {
        "action": "progress", "case_id": second.id, "photos": []}


async def test_a_dialog_not_yet_begun_is_replaced_without_asking(app, clock, cast):
    dialog = await bound(app, cast.reporter, "9803")
    await dialog.send("/report")  # still at its first step
    await dialog.send("/report")
    assert "第1步" in dialog.text
    await dialog.send("/cancel")
    assert dialog.text == zh(app)("common.cancelled")

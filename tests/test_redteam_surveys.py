"""Red-team regressions for surveys: nothing that ties a person to a choice outlives the vote."""

from __future__ import annotations

from tests.given import bound, conversation_of, the_staff, zh
from tests.survey_support import bind, eligible, make_survey


async def test_closing_deletes_half_finished_ballots_with_their_choices(app, demo):
    survey_id = make_survey(app)
    halfway, at_summary, elsewhere = eligible(app.engine, survey_id, "county")[:3]
    first = await bind(app, halfway, "8801")
    await first.press(f"sv:go:{survey_id}:{halfway.id}")
    await first.press("不满意")
    second = await bind(app, at_summary, "8802")
    await second.press(f"sv:go:{survey_id}:{at_summary.id}")
    for answer in ("不满意", "满意", "不了解"):
        await second.press(answer)
    assert "请核对您的选票" in second.text
    still_open = make_survey(app, title="另一项测评")
    other = await bind(app, elsewhere, "8803")
    await other.press(f"sv:go:{still_open}:{elsewhere.id}")
    await other.press("满意")  # a ballot of another survey: left alone

    staff = await bound(app, the_staff(app.engine), "8804")
    await staff.press(f"sv:cl:{survey_id}")
    assert "已截止" in staff.text
    assert conversation_of(app.engine, halfway.id) is None
    assert conversation_of(app.engine, at_summary.id) is None
    kept = conversation_of(app.engine, elsewhere.id)
    assert kept is not None and kept.data["survey"] == still_open

    await second.press("提交")  # the old summary's button: refused clearly, nothing cast
    assert second.text == zh(app)("surveys.refused.closed", title="2026年度部门满意度测评")

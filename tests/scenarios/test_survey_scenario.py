"""Scenario 4 on every channel: the office opens an evaluation (by the storage call its command
makes); a delegate gets it, rates the three departments one page at a time and submits.
"""

from __future__ import annotations

from sqlmodel import select

from storage.db import unit_of_work
from storage.survey_models import SurveyBallot, SurveyVoter
from tests.survey_support import eligible, make_survey, survey

SMALL = {"eligible": {"groups": ["第一执法检查组"]},
         "counted_levels": ["全国", "省", "市", "县", "乡"]}


async def test_a_delegate_votes_item_by_item_and_submits(driver, engine):
    survey_id = make_survey(driver.app, **SMALL)
    voter = eligible(engine, survey_id)[0]
    await driver.meet(voter)

    assert survey(engine, survey_id).title in await driver.pushes_for(voter)
    await driver.as_person(voter.phone)
    messages = len(driver.screen(voter))
    assert "（1/3）" in await driver.press("开始填写")
    assert "（2/3）" in await driver.press("满意")
    assert "（3/3）" in await driver.press("不了解")
    review = await driver.press("基本满意")
    assert "请核对您的选票" in review
    assert len(driver.screen(voter)) == messages  # each page rewrote the pushed message
    assert "已提交" in await driver.press("提交")

    with unit_of_work(engine) as session:
        [ballot] = session.exec(select(SurveyBallot).where(
            SurveyBallot.survey_id == survey_id)).all()
        voted = session.get(SurveyVoter, (survey_id, voter.id))
        assert voted.voted_on is not None
    # item by position, as pressed; nothing in the ballot points at the voter
    assert ballot.choices == {"1": "满意", "2": "不了解", "3": "基本满意"}

"""Surveys on the console: staff create one with /newsurvey, a delegate votes with numbered
buttons (each step printed), and the office reads participation.
"""

from __future__ import annotations

from sqlmodel import func, select

from storage.db import unit_of_work
from storage.survey_models import Survey, SurveyBallot
from tests.console_support import run_lines
from tests.survey_support import eligible


async def test_newsurvey_then_a_vote_on_the_console(app, demo):
    printed = await run_lines(app, [
        "/as 13800000001", "/newsurvey", "2026年度部门满意度测评", "1",  # 满意度测评
        "1", "2", "12",  # two departments, then 选好了 (buttons: 10 departments, 全选, 选好了)
        "7天", "1"])  # closes in a week; 发布
    assert "第2步：是满意度测评，还是票决？" in printed
    assert "参加：省、市、县人大代表 198 位" in printed
    assert "测评 #1 已发布，发给 198 位代表。" in printed
    with unit_of_work(app.engine) as session:
        survey = session.get(Survey, 1)
        assert (survey.state, survey.kind) == ("open", "evaluation")
    voter = eligible(app.engine, 1, "county")[0]
    printed = await run_lines(app, [f"/as {voter.phone}", "/survey 1", "1", "3", "1"])
    assert "（1/2）" in printed and "（2/2）" in printed and "请核对您的选票" in printed
    assert "已提交" in printed
    with unit_of_work(app.engine) as session:
        assert session.exec(select(func.count()).select_from(SurveyBallot)).one() == 1
    printed = await run_lines(app, ["/as 13800000001", "/survey 1"])
    assert "参与率（计入的层级）：1/198（0.5%）" in printed


async def test_a_k_of_n_vote_by_newsurvey(app, demo):
    printed = await run_lines(app, [
        "/as 13800000001", "/newsurvey", "2027年民生实事票决", "2",  # 票决
        "城区停车场、老旧小区改造、乡村道路", "5", "2", "2026-12-01 18:00", "1"])
    assert "请输入 1 到 3 之间的数字。" in printed  # 5 of 3 refused
    assert "最多可选：2" in printed and "截止：2026-12-01 18:00" in printed
    with unit_of_work(app.engine) as session:
        assert session.get(Survey, 1).max_choices == 2

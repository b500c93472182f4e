"""`liandong survey create|list|open|close|extend` and `liandong export survey` on a demo county."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import yaml

from bot import survey_cli
from bot.admin import load_demo_county
from bot.config import Settings

NOW = datetime.now(ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def office(tmp_path) -> Settings:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", telegram_token=None,
                        database_url=f"sqlite:///{tmp_path / 'cli.db'}", locale="zh_CN")
    assert load_demo_county(settings).ok
    return settings


def _file(tmp_path, **fields):
    doc = {"title": "2026年度部门满意度测评", "departments": ["县住房和城乡建设局", "县商务局"],
           "options": ["满意", "基本满意", "不满意", "不了解"], "eligible": {"levels": ["县"]},
           "opens_at": NOW.strftime("%Y-%m-%d %H:%M"),
           "closes_at": (NOW + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")}
    doc.update(fields)
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_a_bad_file_names_every_problem_and_creates_nothing(office, tmp_path):
    path = _file(tmp_path, departments=["县住房和城乡建设局", "县交通局", "县住房和城乡建设局"],
                 eligible={"groups": ["第九小组"], "levels": ["区"]},
                 closes_at=(NOW - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
                 min_participation=0)
    outcome = survey_cli.create_survey(office, path)
    assert not outcome.ok
    assert outcome.text.splitlines() == [
        "survey.yaml 有 7 处问题，未创建任何内容：",
        "- 未知单位：县交通局。",
        "- 重复：县住房和城乡建设局。",
        "- 未知小组：第九小组。",
        "- 未知层级：区（可用 全国、省、市、县、乡）。",
        "- 截止时间已过。",
        "- 截止时间早于开始时间。",
        "- min_participation 应是 1 到 100 之间的整数（现在是 0）。"]
    assert len(survey_cli.list_surveys(office).splitlines()) == 2  # the demo's two only


def test_create_open_close_extend_and_export(office, tmp_path):
    created = survey_cli.create_survey(office, _file(tmp_path))
    assert created.ok and "#3" in created.text and "150 位代表" in created.text
    assert "#3 2026年度部门满意度测评（满意度测评，未发布" in survey_cli.list_surveys(office)
    assert survey_cli.open_survey(office, 3).text == "测评 #3 已发布，发给 150 位代表。"
    assert not survey_cli.open_survey(office, 3).ok
    closed = survey_cli.close_survey(office, 3)  # nobody voted: short of the threshold
    assert closed.ok and "结果暂不公布" in closed.text
    assert not survey_cli.close_survey(office, 3).ok
    out = tmp_path / "结果.xlsx"
    refused = survey_cli.export_survey(office, 3, out)
    assert not refused.ok and "尚未公布" in refused.text and not out.exists()
    extended = survey_cli.extend_survey(office, 3, 3)  # not published: may still be extended
    assert extended.ok and "延长到" in extended.text
    assert survey_cli.close_survey(office, 3).ok
    assert survey_cli.publish_survey(office, 3).ok
    assert not survey_cli.publish_survey(office, 3).ok  # once
    assert survey_cli.export_survey(office, 3, out).ok
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["测评结果表", "个案满意度"]
    sheet = [tuple(row) for row in book["测评结果表"].iter_rows(values_only=True)]
    assert sheet[1][0].startswith("有效选票不足 5 张")  # no ballots: no table of counts
    assert not any(row[0] == "排名" for row in sheet)
    assert any(row[1] == "计入的层级合计" and row[2:5] == (0, 150, "0.0%") for row in sheet)
    cases = list(book["个案满意度"].iter_rows(values_only=True))
    assert cases[0] == ("单位", "满意", "基本满意", "不满意", "有效票", "满意率")
    assert all(row[4] == row[1] + row[2] + row[3] for row in cases[1:])
    assert survey_cli.open_survey(office, 99).text == "没有编号为 99 的测评。用法：/survey 编号"


def test_export_of_a_published_survey_with_enough_ballots(office, tmp_path):
    out = tmp_path / "demo.xlsx"
    assert survey_cli.export_survey(office, 1, out).ok  # the demo's closed evaluation, 72 ballots
    sheet = [tuple(row) for row in
             openpyxl.load_workbook(out)["测评结果表"].iter_rows(values_only=True)]
    assert "有效选票 72 张" in sheet[0][0]
    assert sheet[1][:4] == ("排名", "单位", "满意", "基本满意")


def test_the_example_file_is_valid(office, tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "examples" / "survey-evaluation.yaml"
    doc = yaml.safe_load(example.read_text(encoding="utf-8"))
    doc["opens_at"] = NOW.strftime("%Y-%m-%d %H:%M")
    doc["closes_at"] = (NOW + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    doc["reminders"] = [(NOW + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")]
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    outcome = survey_cli.create_survey(office, path)
    assert outcome.ok, outcome.text


def test_the_demo_holds_a_closed_evaluation_and_an_open_vote(office):
    listed = survey_cli.list_surveys(office)
    assert "2027年民生实事项目票决（演示）（票决，进行中" in listed
    assert "2025年度部门满意度测评（演示）（满意度测评，已截止" in listed
    from storage.db import make_engine, unit_of_work
    from storage.survey_models import Survey
    from storage.survey_results import compute

    engine = make_engine(office.effective_database_url)
    with unit_of_work(engine) as session:
        evaluation, vote = (session.get(Survey, n) for n in (1, 2))
        results, picked = compute(session, evaluation), compute(session, vote)
    engine.dispose()
    assert results.ballots == 72 and len(results.items) == 10 and results.flagged
    assert results.overall.eligible == 190  # municipal 40 + county 150, all counted
    assert picked.ballots == 24 and sum(r.chosen for r in picked.items) == 5


def test_a_workbook_reads_like_the_yaml_file(office, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["title", "2027年民生实事票决"], ["kind", "票决"],
                ["items", "城区停车场", "老旧小区改造", "乡村道路"], ["choose", 2],
                ["eligible.levels", "县"], ["question", "总体评价", "好", "一般"],
                ["opens_at", NOW.strftime("%Y-%m-%d %H:%M")],
                ["closes_at", (NOW + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")]):
        sheet.append(row)
    path = tmp_path / "票决.xlsx"
    book.save(path)
    outcome = survey_cli.create_survey(office, path)
    assert outcome.ok, outcome.text
    assert "#3 2027年民生实事票决（票决，未发布" in survey_cli.list_surveys(office)
    sheet.append(["eligible.groups", "第九小组"])
    book.save(path)
    refused = survey_cli.create_survey(office, path)
    assert refused.text.splitlines() == ["票决.xlsx 有 1 处问题，未创建任何内容：",
                                         "- 未知小组：第九小组。"]

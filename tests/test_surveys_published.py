"""Results are published once (no results by difference after an extension), and a survey with
fewer than 5 ballots in all publishes participation only, never counts or rates.
"""

from __future__ import annotations

import openpyxl

from bot.core.types import Reply
from handlers.surveys.export import write_results
from schedules.surveys import run_survey_sweep
from storage import people, surveys
from storage.db import unit_of_work
from storage.models import Role
from storage.survey_models import Survey
from tests.given import audits, bound, en, the_staff
from tests.notice_support import rows
from tests.survey_support import bind, eligible, make_survey, survey, vote

GROUP = {"eligible": {"groups": ["第一执法检查组"]},
         "counted_levels": ["全国", "省", "市", "县", "乡"]}  # 12 voters, 25% needed: 3


def _readers(engine) -> set[int]:
    with unit_of_work(engine) as session:
        return {p.id for role in (Role.STAFF, Role.LEADERSHIP)
                for p in people.with_role(session, role)}


def _leader(engine):
    with unit_of_work(engine) as session:
        return people.with_role(session, Role.LEADERSHIP)[0]


async def _votes(app, survey_id: int, answers: list[list[str]], first_user: int) -> None:
    voters = eligible(app.engine, survey_id)
    for n, chosen in enumerate(answers):
        dialog = await bind(app, voters[n], str(first_user + n))
        await vote(dialog, survey_id, voters[n].id, chosen)


async def _closed_short(app, clock) -> int:
    """A survey closed by the sweep with 1 of 12 ballots (below 25%)."""
    survey_id = make_survey(app, **GROUP)
    await _votes(app, survey_id, [["满意"] * 3], 8600)
    clock.advance(days=7, minutes=1)
    assert run_survey_sweep(app.engine, app.services)["closed"] == 1
    return survey_id


async def _closed_published(app, clock, answers: list[list[str]], first_user: int) -> int:
    """A survey closed by the sweep with the threshold met: published at once."""
    survey_id = make_survey(app, **GROUP)
    await _votes(app, survey_id, answers, first_user)
    clock.advance(days=7, minutes=1)
    assert run_survey_sweep(app.engine, app.services)["closed"] == 1
    assert survey(app.engine, survey_id).results_at is not None
    return survey_id


async def test_a_close_short_of_the_threshold_publishes_nothing(app, demo, clock):
    survey_id = await _closed_short(app, clock)
    assert survey(app.engine, survey_id).results_at is None
    assert rows(app.engine, f"survey:{survey_id}:results") == []  # leadership got nothing
    [short] = [r for r in rows(app.engine, f"survey:{survey_id}:short:")
               if r.person_id == the_staff(app.engine).id]
    notice = Reply.from_dict(short.payload)
    assert "结果暂不公布" in notice.text
    assert [b.label for row in notice.buttons for b in row] == \
        ["延长 3 天", "延长 7 天", "按现状公布结果"]
    leader = await bound(app, _leader(app.engine), "8610")
    await leader.press(f"sv:res:{survey_id}")
    assert "尚未公布" in leader.text and "满意率" not in leader.text
    staff = await bound(app, the_staff(app.engine), "8611")
    await staff.send(f"/survey {survey_id}")
    assert staff.labels() == ["延长 3 天", "延长 7 天", "按现状公布结果"]  # no results button


async def test_publish_as_is_publishes_once_and_is_for_staff_only(app, demo, clock):
    survey_id = await _closed_short(app, clock)
    delegate = await bind(app, eligible(app.engine, survey_id)[1], "8620")
    await delegate.press(f"sv:pub:{survey_id}")
    assert "没有权限" in delegate.text and audits(app.engine, "denied")[-1].note == "pub"
    assert survey(app.engine, survey_id).results_at is None
    staff = await bound(app, the_staff(app.engine), "8621")
    await staff.press(f"sv:pub:{survey_id}")
    assert "结果已公布" in staff.text
    await staff.press(f"sv:pub:{survey_id}")  # a double tap
    assert "已经公布过" in staff.text
    published = rows(app.engine, f"survey:{survey_id}:results")
    assert sorted(r.person_id for r in published) == sorted(_readers(app.engine))  # once each
    assert len(audits(app.engine, "survey.published")) == 1
    await staff.send(f"/survey {survey_id}")
    assert staff.labels() == ["结果"]


async def test_publish_refused_while_the_survey_is_open(app, demo):
    survey_id = make_survey(app, **GROUP)
    staff = await bound(app, the_staff(app.engine), "8630")
    await staff.press(f"sv:pub:{survey_id}")
    assert "还没有截止" in staff.text
    assert survey(app.engine, survey_id).results_at is None
    assert rows(app.engine, f"survey:{survey_id}:results") == []


async def test_no_extension_once_published_in_chat(app, demo, clock):
    answers = [["满意", "满意", "满意"]] * 5
    survey_id = await _closed_published(app, clock, answers, 8640)
    before = survey(app.engine, survey_id)
    staff = await bound(app, the_staff(app.engine), "8645")
    await staff.press(f"sv:ext:{survey_id}:3")
    assert "结果已经公布，不能再延长" in staff.text and "差别" in staff.text
    after = survey(app.engine, survey_id)
    assert (after.state, after.closes_at, after.closed_at, after.results_at) == \
        (before.state, before.closes_at, before.closed_at, before.results_at)
    assert rows(app.engine, f"survey:{survey_id}:extended:") == []
    assert "by the difference" in en(app)("surveys.extend_refused_published", number=1)


def test_no_extension_once_published_on_the_command_line(tmp_path):
    from bot import survey_cli
    from bot.admin import load_demo_county, office_engine
    from bot.config import Settings

    office = Settings(_env_file=None, data_dir=tmp_path / "data", telegram_token=None,
                      database_url=f"sqlite:///{tmp_path / 'cli.db'}", locale="zh_CN")
    assert load_demo_county(office).ok
    with office_engine(office) as engine:
        before = survey(engine, 1)  # the demo's closed, published evaluation
    refused = survey_cli.extend_survey(office, 1, 3)
    assert not refused.ok and "不能再延长" in refused.text
    with office_engine(office) as engine:
        after = survey(engine, 1)
    assert before.results_at is not None
    assert (after.state, after.closes_at) == (before.state, before.closes_at)


async def test_publish_is_conditional_at_the_database(app, demo, clock):
    survey_id = await _closed_short(app, clock)
    with unit_of_work(app.engine) as session:
        assert surveys.publish(session, survey_id, clock.utcnow())
    with unit_of_work(app.engine) as session:  # a second process, a moment later
        assert not surveys.publish(session, survey_id, clock.utcnow())
        later = clock.utcnow().replace(year=2030)
        assert not surveys.extend(session, survey_id, later, clock.utcnow())


async def test_three_ballots_publish_participation_but_no_counts(app, demo, clock, tmp_path):
    # 3 of 12 (25%: met), all three rate department B 不满意: counts would reveal each choice
    answers = [["满意", "不满意", "满意"]] * 3
    survey_id = await _closed_published(app, clock, answers, 8650)
    [reply] = [Reply.from_dict(r.payload) for r in rows(app.engine, f"survey:{survey_id}:results")
               if r.person_id == the_staff(app.engine).id]
    assert "有效选票不足 5 张" in reply.text
    assert "参与率（计入的层级）：3/12（25.0%）" in reply.text
    assert "不满意 3" not in reply.text and "不满意率" not in reply.text
    assert reply.attachments == ()  # no chart
    assert rows(app.engine, f"survey:{survey_id}:flagged") == []  # a flag would tell too
    out = tmp_path / "small.xlsx"
    with unit_of_work(app.engine) as session:
        write_results(session, session.get(Survey, survey_id), out,
                      app.services.catalogs.translator("zh_CN"), app.services.settings.tz)
    sheet = [tuple(row) for row in openpyxl.load_workbook(out).worksheets[0]
             .iter_rows(values_only=True)]
    assert sheet[1][0].startswith("有效选票不足 5 张")
    assert not any(row[0] == "排名" for row in sheet)
    assert not any(3 in row[2:6] for row in sheet[:3])  # no count of 3 beside an option
    assert any(row[1] == "计入的层级合计" and row[2:5] == (3, 12, "25.0%") for row in sheet)

"""The office's side: live participation, reminders only to non-voters, close by the sweep with
results to staff and leadership, flagged departments, a missed threshold and the extension.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.types import Reply
from schedules.surveys import run_survey_sweep
from storage import people
from storage.db import unit_of_work
from storage.models import Role
from tests.given import audits, bound, the_staff
from tests.notice_support import rows
from tests.survey_support import bind, eligible, make_survey, survey, vote

SMALL = {"eligible": {"groups": ["第一执法检查组"]},
         "counted_levels": ["全国", "省", "市", "县", "乡"]}


def _readers(engine) -> set[int]:
    with unit_of_work(engine) as session:
        return {p.id for role in (Role.STAFF, Role.LEADERSHIP)
                for p in people.with_role(session, role)}


async def test_live_participation_per_level_and_group(app, demo):
    survey_id = make_survey(app, **SMALL)
    voters = eligible(app.engine, survey_id)
    dialog = await bind(app, voters[0], "8501")
    await vote(dialog, survey_id, voters[0].id, ["满意"] * 3)
    staff = await bound(app, the_staff(app.engine), "8502")
    await staff.send(f"/survey {survey_id}")
    assert "参与率（计入的层级）：1/12（8.3%），要求不低于 25%：未达到" in staff.text
    assert "第一执法检查组：1/12（8.3%）" in staff.text
    assert staff.labels() == ["提醒未参加的代表", "截止"]


async def test_reminders_go_only_to_non_voters_and_wait_out_quiet_hours(app, demo, clock):
    survey_id = make_survey(app, **SMALL)
    voters = eligible(app.engine, survey_id)
    dialog = await bind(app, voters[0], "8511")
    await vote(dialog, survey_id, voters[0].id, ["满意"] * 3)
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    staff = await bound(app, the_staff(app.engine), "8512")
    await staff.send(f"/survey {survey_id}")
    await staff.press("提醒未参加的代表")
    assert "已提醒测评" in staff.text and "11 位" in staff.text
    reminded = rows(app.engine, f"survey:{survey_id}:remind:1:")
    assert {r.person_id for r in reminded} == {p.id for p in voters[1:]}
    assert {r.not_before for r in reminded} == {datetime(2026, 11, 23, 23, 30, tzinfo=UTC)}
    await staff.press(f"sv:rm:{survey_id}:1")  # a double tap sends nothing more
    assert "已经发过" in staff.text
    assert len(rows(app.engine, f"survey:{survey_id}:remind:")) == 11


async def test_configured_reminder_by_the_sweep(app, demo, clock):
    survey_id = make_survey(app, reminders=["2026-11-24 09:00"], **SMALL)
    voters = eligible(app.engine, survey_id)
    dialog = await bind(app, voters[0], "8521")
    await vote(dialog, survey_id, voters[0].id, ["满意"] * 3)
    assert run_survey_sweep(app.engine, app.services)["reminded"] == 0  # not yet
    clock.set(datetime(2026, 11, 24, 1, 5, tzinfo=UTC))  # 09:05 in Shanghai
    assert run_survey_sweep(app.engine, app.services)["reminded"] == 11
    assert run_survey_sweep(app.engine, app.services)["reminded"] == 0  # once


async def test_the_sweep_closes_once_and_reports(app, demo, clock):
    survey_id = make_survey(app, **SMALL)
    voters = eligible(app.engine, survey_id)
    # 5 of 12 vote (41.7%: met; 5 ballots, so counts may show); department B rated 不满意 by
    # 2 of 5 -> 40.0% > 30%: flagged
    for n, answers in enumerate([["满意", "不满意", "满意"], ["满意", "不满意", "基本满意"],
                                 ["基本满意", "满意", "不了解"], ["满意", "满意", "满意"],
                                 ["不满意", "基本满意", "满意"]]):
        dialog = await bind(app, voters[n], f"853{n}")
        await vote(dialog, survey_id, voters[n].id, answers)
    clock.advance(days=7, minutes=1)
    assert run_survey_sweep(app.engine, app.services)["closed"] == 1
    assert run_survey_sweep(app.engine, app.services)["closed"] == 0
    assert survey(app.engine, survey_id).state == "closed"
    results = rows(app.engine, f"survey:{survey_id}:results:")
    assert {r.person_id for r in results} == _readers(app.engine)
    reply = Reply.from_dict(results[0].payload)
    assert "有效选票 5 张" in reply.text and "满意率 60.0%，不满意率 40.0%" in reply.text
    assert reply.attachments and reply.attachments[0].is_photo  # the chart
    flagged = rows(app.engine, f"survey:{survey_id}:flagged:")
    assert flagged and "不满意率超过 30%" in Reply.from_dict(flagged[0].payload).text
    assert rows(app.engine, f"survey:{survey_id}:short:") == []  # the threshold was met


async def test_threshold_missed_staff_extend_and_non_voters_are_told(app, demo, clock):
    survey_id = make_survey(app, **SMALL)
    voters = eligible(app.engine, survey_id)
    dialog = await bind(app, voters[0], "8541")
    await vote(dialog, survey_id, voters[0].id, ["满意"] * 3)
    clock.advance(days=7, minutes=1)
    run_survey_sweep(app.engine, app.services)
    [short] = [r for r in rows(app.engine, f"survey:{survey_id}:short:")
               if r.person_id == the_staff(app.engine).id]
    assert "未达到 25% 的要求" in Reply.from_dict(short.payload).text
    staff = await bound(app, the_staff(app.engine), "8542")
    await staff.press(f"sv:ext:{survey_id}:3")
    assert "截止时间延长到 2026-12-03" in staff.text
    assert survey(app.engine, survey_id).state == "open"
    told = rows(app.engine, f"survey:{survey_id}:extended:")
    assert {r.person_id for r in told} == {p.id for p in voters[1:]}
    await dialog.press(f"sv:go:{survey_id}:{voters[0].id}")
    assert "已经参加过" in dialog.text  # extending does not let anyone vote twice


async def test_office_buttons_are_for_staff_only(app, demo):
    survey_id = make_survey(app, **SMALL)
    voter = eligible(app.engine, survey_id)[0]
    dialog = await bind(app, voter, "8551")
    for payload in (f"sv:cl:{survey_id}", f"sv:rm:{survey_id}:1", f"sv:ext:{survey_id}:3",
                    f"sv:res:{survey_id}"):
        await dialog.press(payload)
        assert "没有权限" in dialog.text, dialog.text
    assert len(audits(app.engine, "denied")) == 4
    assert survey(app.engine, survey_id).state == "open"
    await dialog.press("sv:zz:1")
    assert audits(app.engine, "forged_payload")[-1].note == "sv:zz:1"

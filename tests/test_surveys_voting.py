"""Voting in chat: the opening push, one item per step edited in place, summary, refusals,
resume after a restart, change before submit, K-of-N limits.
"""

from __future__ import annotations

import threading

from sqlmodel import select

from bot.app import build_app
from bot.core.types import Reply
from handlers.surveys import office
from handlers.surveys.results import _question_lines, results_text
from storage import survey_results, surveys
from storage.db import unit_of_work
from storage.survey_models import Survey, SurveyBallot, SurveyVoter
from tests.given import audits, zh
from tests.notice_support import rows
from tests.support import Dialog
from tests.survey_support import bind, eligible, make_survey, vote

HAPPY = ["满意", "满意", "满意"]


def _ballots(engine, survey_id: int) -> list[dict]:
    with unit_of_work(engine) as session:
        return [b.choices for b in session.exec(select(SurveyBallot).where(
            SurveyBallot.survey_id == survey_id)).all()]


async def test_opening_sends_each_eligible_delegate_their_own_copy_once(app, demo):
    survey_id = make_survey(app)
    pushed = rows(app.engine, f"survey:{survey_id}:open:")
    assert len(pushed) == 190  # 150 county + 40 municipal delegates
    first = pushed[0]
    reply = Reply.from_dict(first.payload)
    assert reply.buttons[0][0].payload == f"sv:go:{survey_id}:{first.person_id}"
    assert "共 3 项" in reply.text and "不记名" in reply.text
    with unit_of_work(app.engine) as session:  # a second open does nothing
        assert office.open_now(session, app.services, survey_id) is None
    assert len(rows(app.engine, f"survey:{survey_id}:open:")) == 190


async def test_one_item_per_step_edited_in_place_then_a_summary(app, demo):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8401")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    assert "（1/3）" in dialog.text and dialog.last[0].edit
    assert dialog.labels() == ["满意", "基本满意", "不满意", "不了解"]
    await dialog.press("基本满意")
    assert "（2/3）" in dialog.text and dialog.last[0].edit
    await dialog.press("不了解")
    await dialog.press("不满意")
    assert "请核对您的选票" in dialog.text and dialog.labels() == ["提交", "修改"]
    assert "：基本满意" in dialog.text and "：不了解" in dialog.text
    await dialog.press("提交")
    assert dialog.last[0].edit and "已提交" in dialog.text
    [choices] = _ballots(app.engine, survey_id)
    assert sorted(choices.values()) == sorted(["不了解", "不满意", "基本满意"])
    with unit_of_work(app.engine) as session:
        voter = session.get(SurveyVoter, (survey_id, person.id))
    assert voter.voted_on.isoformat() == "2026-11-23"


async def test_refusals_twice_not_eligible_forwarded_closed(app, demo, clock):
    survey_id = make_survey(app)
    first, second = eligible(app.engine, survey_id, "county")[:2]
    dialog = await bind(app, first, "8411")
    await vote(dialog, survey_id, first.id, HAPPY)
    await dialog.press(f"sv:go:{survey_id}:{first.id}")  # twice
    assert dialog.text == zh(app)("surveys.refused.already_voted", title="2026年度部门满意度测评")
    other = await bind(app, second, "8412")
    await other.press(f"sv:go:{survey_id}:{first.id}")  # a ballot forwarded from `first`
    assert other.text == zh(app)("surveys.refused.forwarded")
    assert audits(app.engine, "denied")[-1].note == "forwarded"
    # a township delegate (eligible elsewhere) is not eligible here
    township = eligible(app.engine, make_survey(app, eligible={"levels": ["乡"]}))[0]
    stranger = await bind(app, township, "8413")
    await stranger.press(f"sv:go:{survey_id}:{township.id}")
    assert stranger.text == zh(app)("surveys.refused.not_eligible", title="2026年度部门满意度测评")
    await other.press(f"sv:go:{survey_id}:{second.id}")
    await other.press("满意")
    clock.advance(days=8)  # past the close, mid-ballot
    await other.press("满意")
    assert "已截止" in other.text
    assert len(_ballots(app.engine, survey_id)) == 1


async def test_a_half_finished_ballot_survives_a_restart(app, demo, settings, clock):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8421")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    await dialog.press("不满意")
    restarted = build_app(settings, app.engine, clock)
    again = Dialog(restarted, user_id="8421")
    await again.send("/survey " + str(survey_id))
    assert "（2/3）" in again.text
    await again.press("满意")
    await again.press("满意")
    await again.press("提交")
    [choices] = _ballots(app.engine, survey_id)
    assert sorted(choices.values()) == sorted(["满意", "满意", "不满意"])


async def test_change_before_submit_and_typed_text(app, demo):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8431")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    stale = dialog.payload_of("满意")
    await dialog.send("满意")  # typed, not pressed
    assert dialog.text.startswith("请用下面的按钮作答") and "（1/3）" in dialog.text
    await dialog.press(stale)  # a button of the page as drawn before: its tokens are gone
    assert "前面一步" in dialog.text
    for answer in ["不满意", "不满意", "不满意"]:
        await dialog.press(answer)
    await dialog.press("修改")
    assert "（1/3）" in dialog.text and "✓ 不满意" in dialog.labels()
    await dialog.press("满意")
    await dialog.press("✓ 不满意")
    await dialog.press("✓ 不满意")
    await dialog.press("提交")
    [choices] = _ballots(app.engine, survey_id)
    assert sorted(choices.values()) == sorted(["满意", "不满意", "不满意"])


async def test_without_changing_the_summary_offers_only_submit(app, demo):
    survey_id = make_survey(app, allow_change=False)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8441")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    for answer in HAPPY:
        await dialog.press(answer)
    assert dialog.labels() == ["提交"]
    await dialog.press(f"sv:chg:{survey_id}")
    assert "失效" in dialog.text


async def test_k_of_n_vote_refuses_too_many_and_too_few(app, demo):
    projects = ["城区停车场", "老旧小区改造", "乡村道路", "学校食堂", "养老驿站"]
    survey_id = make_survey(app, title="2027年民生实事票决", kind="vote", items=projects,
                            choose=2, min_choose=1, departments=None, options=None)
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8451")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    assert "最多选 2 项" in dialog.text and "（1/1）" in dialog.text
    await dialog.press("选好了")
    assert "至少要选 1 项" in dialog.text
    await dialog.press("城区停车场")
    await dialog.press("乡村道路")
    await dialog.press("养老驿站")
    assert "最多只能选 2 项" in dialog.text
    assert [label for label in dialog.labels() if label.startswith("✓")] == \
        ["✓ 城区停车场", "✓ 乡村道路"]
    await dialog.press("✓ 城区停车场")  # tap again to remove
    await dialog.press("养老驿站")
    await dialog.press("选好了")
    assert "已选 2 项：乡村道路、养老驿站" in dialog.text
    await dialog.press("提交")
    [choices] = _ballots(app.engine, survey_id)
    assert len(choices["picked"]) == 2


async def test_a_draft_cannot_be_voted_in(app, demo):
    survey_id = make_survey(app, open_it=False)
    person = eligible(app.engine, make_survey(app), "county")[0]
    dialog = await bind(app, person, "8461")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    assert "已截止或尚未开始" in dialog.text


async def test_an_extra_question_is_one_more_step_with_its_own_choices(app, demo):
    question = {"text": "您对本次活动的总体评价", "choices": ["好", "较好", "一般"]}
    survey_id = make_survey(app, questions=[question])
    person = eligible(app.engine, survey_id, "county")[0]
    dialog = await bind(app, person, "8471")
    await dialog.press(f"sv:go:{survey_id}:{person.id}")
    for answer in HAPPY:
        await dialog.press(answer)
    assert "（4/4）" in dialog.text and dialog.labels() == ["好", "较好", "一般"]
    await dialog.press("较好")
    assert "您对本次活动的总体评价：较好" in dialog.text
    await dialog.press("提交")
    with unit_of_work(app.engine) as session:
        results = survey_results.compute(session, session.get(Survey, survey_id))
    assert results.items[3].counts == {"较好": 1}
    assert _question_lines(zh(app), results) == ["您对本次活动的总体评价：好 0、较好 1、一般 0"]
    assert "较好 1" not in results_text(zh(app), results)  # one ballot: no counts published


def _cast_in_thread(engine, survey_id: int, person_id: int, now, barrier, results) -> None:
    barrier.wait()
    try:
        with unit_of_work(engine) as session:
            results.append(surveys.cast(session, survey_id, person_id, {"1": "满意"},
                                        now.date(), now))
    except Exception as exc:  # a failure here is the defect under test
        results.append(exc)


async def test_two_connections_casting_for_one_voter_count_once(app, demo, clock):
    survey_id = make_survey(app)
    person = eligible(app.engine, survey_id, "county")[0]
    barrier, results = threading.Barrier(2), []
    threads = [threading.Thread(target=_cast_in_thread, args=(
        app.engine, survey_id, person.id, clock.utcnow(), barrier, results)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results, key=str) == [False, True]
    assert len(_ballots(app.engine, survey_id)) == 1

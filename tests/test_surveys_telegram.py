"""A secret ballot over the real Telegram channel: the survey arrives through the outbox, each step
edits the same message in place, and the submitted ballot is counted once.
"""

from __future__ import annotations

from sqlmodel import func, select

from bot.delivery import DeliveryWorker
from storage.db import unit_of_work
from storage.survey_models import SurveyBallot
from tests.given import invite_code
from tests.survey_support import eligible, make_survey
from tests.telegram_support import ALICE, ask

SMALL = {"eligible": {"groups": ["第一执法检查组"]},
         "counted_levels": ["全国", "省", "市", "县", "乡"]}


def _buttons(call) -> dict[str, str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return {button["text"]: button["callback_data"] for row in rows for button in row}


async def _press(api, label: str, before: int):
    """Press `label` on the latest edited message; the next edit."""
    edits = api.calls_to("editMessageText")
    api.callback(ALICE, _buttons(edits[-1])[label])
    await api.wait_for(lambda: len(api.calls_to("editMessageText")) > before)
    return api.calls_to("editMessageText")[-1]


async def test_voting_on_telegram_edits_one_message_per_step(api, channel, engine, clock):
    survey_id = make_survey(channel.app, **SMALL)
    voter = eligible(engine, survey_id)[0]
    await ask(api, ALICE, f"/start {invite_code(engine, voter.id)}")
    await DeliveryWorker(engine, [channel], clock).run_once(limit=500)
    [pushed] = [call for call in api.calls_to("sendMessage")
                if int(call.params["chat_id"]) == ALICE and "📊" in call.params["text"]]
    assert _buttons(pushed) == {"开始填写": f"sv:go:{survey_id}:{voter.id}"}
    api.callback(ALICE, f"sv:go:{survey_id}:{voter.id}")
    [first] = await api.wait_for(lambda: api.calls_to("editMessageText"))
    assert "（1/3）" in first.params["text"]
    edit = first
    for n, label in enumerate(["满意", "不了解", "基本满意"], start=1):
        edit = await _press(api, label, n)
    assert "请核对您的选票" in edit.params["text"]
    done = await _press(api, "提交", 4)
    assert "已提交" in done.params["text"]
    assert not [c for c in api.calls_to("sendMessage")
                if int(c.params["chat_id"]) == ALICE and "（" in c.params["text"]
                and "/3）" in c.params["text"]]  # every step was an edit, not a new message
    with unit_of_work(engine) as session:
        assert session.exec(select(func.count()).select_from(SurveyBallot)).one() == 1

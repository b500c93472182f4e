"""Activities over the real Telegram channel: the invitation's 报名 edits the message in place;
a check-in with a shared location.
"""

from __future__ import annotations

from datetime import timedelta

from bot.delivery import DeliveryWorker
from handlers.activities import pushes
from storage.activity_models import Activity
from storage.db import unit_of_work
from tests.event_support import answers, event_cast, make_activity
from tests.given import invite_code
from tests.telegram_support import ALICE, ask


def _buttons(call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_signing_up_on_telegram_edits_the_invitation_in_place(api, channel, engine, clock):
    app = channel.app
    cast = event_cast(engine)
    member = cast.members[0]
    await ask(api, ALICE, f"/start {invite_code(engine, member.id)}")
    act = make_activity(engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(days=2), capacity=5)
    with unit_of_work(engine) as session:
        pushes.invite_all(session, app.services, session.get(Activity, act.id))
    await DeliveryWorker(engine, [channel], clock).run_once(limit=500)
    pushed = [call for call in api.calls_to("sendMessage")
              if int(call.params["chat_id"]) == ALICE and "活动邀请" in call.params["text"]]
    assert len(pushed) == 1 and _buttons(pushed[0]) == ["报名", "不参加"]

    api.callback(ALICE, f"ev:yes:{act.id}")
    [edit] = await api.wait_for(lambda: api.calls_to("editMessageText"))
    assert "您已报名" in edit.params["text"] and "名额：已报 1/5" in edit.params["text"]
    assert _buttons(edit) == ["退出报名"]
    assert answers(engine, act.id)[member.id].answer == "signed_up"


async def test_checking_in_on_telegram_with_a_shared_location(api, channel, engine, clock):
    cast = event_cast(engine)
    member = cast.members[0]
    await ask(api, ALICE, f"/start {invite_code(engine, member.id)}")
    act = make_activity(engine, cast.leader, [cast.group.id],
                        clock.utcnow() + timedelta(minutes=20), lat=38.0512, lon=114.3621)
    api.callback(ALICE, f"ev:yes:{act.id}")
    await api.wait_for(lambda: api.calls_to("editMessageText"))
    before = len(api.sent_texts(ALICE))
    api.callback(ALICE, f"ev:ci:{act.id}")
    await api.wait_for(lambda: api.sent_texts(ALICE)[before:])
    assert "请发送您的当前位置" in api.sent_texts(ALICE)[-1]
    before = len(api.sent_texts(ALICE))
    api.location_message(ALICE, 38.0530, 114.3625)
    texts = await api.wait_for(lambda: api.sent_texts(ALICE)[before:])
    assert "已签到" in texts[0]
    assert answers(engine, act.id)[member.id].checked_in_at is not None

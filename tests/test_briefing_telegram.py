"""The briefing over the real Telegram channel: `/briefing` answers at once with its charts as
photos; the 16:30 briefing reaches a squad member through the outbox, text then photos.
"""

from __future__ import annotations

from bot.delivery import DeliveryWorker
from schedules.briefing import run_briefing
from tests.briefing_support import give_cases, sh, squads
from tests.factories import make_cast
from tests.given import invite_code
from tests.telegram_support import ALICE, BOB, ask


def _photos_to(api, chat: int) -> list:
    return [c for c in api.calls_to("sendPhoto")
            if str(c.params.get("chat_id")) == str(chat) and c.status == 200]


async def test_briefing_on_telegram_answers_with_text_and_two_photos(api, channel, engine):
    cast = make_cast(engine)
    strong, weak = squads(engine)[:2]
    give_cases(engine, strong, sh(20, 9), assigned=3, closed=3)
    give_cases(engine, weak, sh(20, 9), assigned=3, closed=1)
    await ask(api, BOB, f"/start {invite_code(engine, cast.staff.id)}")
    text = await ask(api, BOB, "/briefing")
    assert text.startswith("📊 每日调度通报 · 2026-11-23")
    assert f"1. {strong.name} 8" in text and "【全县】" in text
    photos = await api.wait_for(lambda: len(_photos_to(api, BOB)) >= 2 and _photos_to(api, BOB))
    assert len(photos) == 2


async def test_the_half_past_four_briefing_reaches_a_squad_member(api, channel, engine, clock):
    cast = make_cast(engine)
    give_cases(engine, cast.group, sh(20, 9), assigned=3, closed=2)
    await ask(api, ALICE, f"/start {invite_code(engine, cast.member.id)}")
    clock.set(sh(23, 16, 30))
    assert run_briefing(engine, channel.app.services) == {"daily": "sent"}
    await DeliveryWorker(engine, [channel], clock).run_once(limit=500)
    texts = [t for t in api.sent_texts(ALICE) if t.startswith("📊 每日调度通报")]
    assert len(texts) == 1
    assert f"【{cast.group.name}】\n今日新增 0 · 累计 3 · 受理 3 · 交办 3" in texts[0]
    assert "【全县】" not in texts[0]
    assert len(_photos_to(api, ALICE)) == 2

"""Notices over the real Telegram channel: 收到 edits the message; a leader attaches a PDF."""

from __future__ import annotations

from bot.delivery import DeliveryWorker
from tests.given import invite_code
from tests.notice_support import leader_sends, notice_cast, recipients
from tests.telegram_support import ALICE, BOB, ask

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _buttons(call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_acknowledging_on_telegram_edits_the_notice_in_place(api, channel, engine, clock):
    app = channel.app
    cast = notice_cast(engine)
    member = cast.members[0]
    await ask(api, ALICE, f"/start {invite_code(engine, member.id)}")
    _, notice_id = await leader_sends(app, cast, "7301")
    await DeliveryWorker(engine, [channel], clock).run_once(limit=500)
    pushed = [call for call in api.calls_to("sendMessage")
              if int(call.params["chat_id"]) == ALICE and "通知" in call.params["text"]]
    assert len(pushed) == 1 and _buttons(pushed[0]) == ["收到"]

    api.callback(ALICE, f"n:ack:{notice_id}")
    [edit] = await api.wait_for(lambda: api.calls_to("editMessageText"))
    assert edit.params["text"] == pushed[0].params["text"]
    assert _buttons(edit) == ["已收到 ✓"]
    acked = [r.person_id for r in recipients(engine, notice_id) if r.acknowledged_at]
    assert acked == [member.id]


async def test_a_leader_attaches_a_pdf_sent_as_a_telegram_document(api, channel, engine):
    cast = notice_cast(engine)
    await ask(api, BOB, f"/start {invite_code(engine, cast.leader.id)}")
    await ask(api, BOB, "/notify")
    await ask(api, BOB, "本周五上午9点召开专题会，会议材料见附件。")
    before = len(api.sent_texts(BOB))
    api.push_update(api.document_update(BOB, PDF, "application/pdf", file_name="会议材料.pdf"))
    texts = await api.wait_for(lambda: api.sent_texts(BOB)[before:])
    assert "已收到 1/9 个" in texts[0]
    assert list(channel.app.services.media.root.rglob("*.pdf"))

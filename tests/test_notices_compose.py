"""Writing and sending a notice: the dialog, the real recipient count, pushes with 收到."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.types import EventKind, MediaRef, Reply
from storage import conversations
from storage.db import unit_of_work
from storage.notice_models import NoticeFile
from tests.given import audits, bound, conversation_of, zh
from tests.images import jpeg_bytes
from tests.notice_support import (
    SEND,
    TEXT,
    NoticeCast,
    leader_sends,
    notice,
    notice_cast,
    originals,
    recipients,
    to_audience,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def cast(app, demo) -> NoticeCast:
    return notice_cast(app.engine)


def _document(data: bytes, mime: str, size: int | None = None) -> MediaRef:
    async def fetch() -> bytes:
        return data
    return MediaRef("doc-1", len(data) if size is None else size, mime, fetch)


async def test_a_leader_previews_the_real_count_and_sends_to_their_group(app, cast, clock):
    dialog = await bound(app, cast.leader, "7101")
    await to_audience(dialog)
    assert dialog.labels() == [f"✓ {cast.group.name}", "选好了"]  # their one group, ticked
    await dialog.press("选好了")
    count = len(cast.members)
    assert f"收件人数：{count} 人" in dialog.text and TEXT in dialog.text
    assert f"发送（{count}人）" in dialog.labels()
    await dialog.press(SEND)
    assert f"已发出，共 {count} 人" in dialog.text
    notice_id = int(dialog.text.split("#")[1].split()[0])
    assert conversation_of(app.engine, cast.leader.id) is None

    pushes = originals(app.engine, notice_id)
    assert sorted(row.person_id for row in pushes) == [p.id for p in cast.members]
    assert cast.leader.id not in [row.person_id for row in pushes]
    sent = Reply.from_dict(pushes[0].payload)
    assert sent.text.startswith(f"📢 通知 #{notice_id}（{cast.leader.name}）") and TEXT in sent.text
    assert [(b.label, b.payload) for row in sent.buttons for b in row] == [
        ("收到", f"n:ack:{notice_id}")]
    assert {row.not_before for row in pushes} == {clock.utcnow()}  # Monday 10:00: at once
    assert [r.group_id for r in recipients(app.engine, notice_id)] == [cast.group.id] * count
    assert len(audits(app.engine, "notice.sent")) == 1


async def test_photos_and_a_pdf_go_with_the_notice(app, cast):
    dialog = await bound(app, cast.leader, "7102")
    await dialog.send("/notify")
    await dialog.send(TEXT)
    await dialog.send_photo(jpeg_bytes())
    await dialog.send_event(EventKind.DOCUMENT, media=(_document(PDF, "application/pdf"),))
    assert "已收到 2/9 个" in dialog.text
    await dialog.press("完成")
    await dialog.press("选好了")
    assert "照片 1 张，文件 1 个" in dialog.text
    await dialog.press(SEND)
    notice_id = int(dialog.text.split("#")[1].split()[0])
    with unit_of_work(app.engine) as session:
        files = list(session.exec(select(NoticeFile.ext, NoticeFile.kind).where(
            NoticeFile.notice_id == notice_id).order_by(NoticeFile.position)).all())
    assert files == [("jpg", "photo"), ("pdf", "document")]
    sent = Reply.from_dict(originals(app.engine, notice_id)[0].payload)
    assert [(a.filename, a.is_photo) for a in sent.attachments] == [
        (f"通知{notice_id}-附件1.jpg", True), (f"通知{notice_id}-附件2.pdf", False)]
    assert all(Path(a.path).is_file() and app.services.media.root in Path(a.path).parents
               for a in sent.attachments)


async def test_files_that_are_not_photos_or_office_documents_are_refused(app, cast, settings):
    dialog = await bound(app, cast.leader, "7103")
    await dialog.send("/notify")
    await dialog.send(TEXT)
    exe = _document(b"MZ\x90\x00", "application/pdf")  # says PDF, is a program
    await dialog.send_event(EventKind.DOCUMENT, media=(exe,))
    assert "只能附带照片或 PDF" in dialog.text
    await dialog.send_event(EventKind.DOCUMENT, media=(
        _document(b"PK\x03\x04zip", "application/zip"),))
    assert "只能附带照片或 PDF" in dialog.text
    fetched: list = []

    async def never() -> bytes:
        fetched.append(1)
        return PDF
    big = MediaRef("big", settings.max_file_bytes + 1, "application/pdf", never)
    await dialog.send_event(EventKind.DOCUMENT, media=(big,))
    assert "文件太大" in dialog.text and fetched == []
    assert conversation_of(app.engine, cast.leader.id).data["files"] == []


async def test_a_pdf_is_still_refused_where_only_photos_are_asked_for(app, demo):
    from tests.factories import make_cast
    from tests.report_steps import to_description

    cast = make_cast(app.engine)
    dialog = await bound(app, cast.reporter, "7104")
    await to_description(dialog, cast.area.name_zh)
    await dialog.send("青禾大道东段路灯连续两周不亮，夜间行人安全隐患大")
    await dialog.send_event(EventKind.DOCUMENT, media=(_document(PDF, "application/pdf"),))
    assert zh(app)("photos.not_image") in dialog.text
    assert conversation_of(app.engine, cast.reporter.id).data["photos"] == []


async def test_typed_text_where_a_button_is_expected_is_answered_politely(app, cast):
    dialog = await bound(app, cast.leader, "7105")
    await dialog.send("/notify")
    await dialog.send("好")  # one character: too short
    assert "需要 2–3000 个字，现在是 1 个字" in dialog.text
    await dialog.send(TEXT)
    await dialog.send("没有附件")
    assert "请发送照片或文件，或选择“完成”" in dialog.text
    await dialog.press("完成")
    await dialog.press("选好了")
    await dialog.send("发送吧")
    assert dialog.text.startswith("请通过上面的按钮选择。")
    assert "请核对通知" in dialog.text  # the preview again, with its buttons
    assert conversation_of(app.engine, cast.leader.id).state == "preview"


async def test_choosing_nothing_is_refused_and_editing_returns_to_the_preview(app, cast):
    dialog = await bound(app, cast.leader, "7106")
    await to_audience(dialog)
    await dialog.press(f"✓ {cast.group.name}")  # untick the only group
    assert dialog.last[0].edit
    await dialog.press("选好了")
    assert "请至少选择一项" in dialog.text
    await dialog.press(cast.group.name)
    await dialog.press("选好了")
    await dialog.press("改内容")
    await dialog.send("会议改到下周一上午9点，地点不变。")
    assert "请核对通知" in dialog.text and "下周一" in dialog.text


async def test_a_delegate_who_leads_nothing_cannot_write_notices(app, demo):
    from tests.given import a_delegate

    dialog = await bound(app, a_delegate(app.engine), "7107")
    await dialog.send("/notify")
    assert dialog.text == zh(app)("common.not_allowed")
    await dialog.press("f:notice:preview:send")
    assert dialog.text == zh(app)("common.not_allowed")


async def test_sending_twice_from_one_preview_sends_once(app, cast):
    dialog, notice_id = await leader_sends(app, cast, "7108")
    await dialog.press(SEND)  # the preview's button again
    assert dialog.text == zh(app)("common.button_expired")
    assert len(originals(app.engine, notice_id)) == len(cast.members)
    assert notice(app.engine, notice_id + 1) is None
    with unit_of_work(app.engine) as session:
        assert conversations.current(session, cast.leader.id) is None

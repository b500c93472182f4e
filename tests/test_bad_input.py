"""Input the bot did not ask for: too long, stickers, forged buttons, redeliveries, crashes."""

from __future__ import annotations

import pytest

from bot.core.dispatcher import Refusal
from bot.core.types import Event, EventKind, MediaRef, Reply
from storage.db import unit_of_work
from storage.models import AuditEntry, Conversation, Person
from tests.given import (
    a_delegate,
    audits,
    bound,
    conversation_of,
    count,
    en,
    the_staff,
    zh,
)
from tests.support import Dialog

pytestmark = pytest.mark.usefixtures("demo")


async def _no_bytes() -> bytes:
    return b""


async def test_oversized_text_is_refused_politely_and_changes_nothing(app, engine,
                                                                       settings) -> None:
    staff = the_staff(engine)
    dialog = await bound(app, staff, "3001")
    await dialog.send("/adduser")
    too_long = "长" * (settings.max_text_length + 1)
    replies = await dialog.send(too_long)
    assert [r.text for r in replies] == [
        zh(app)("common.too_long", limit=settings.max_text_length)]
    conversation = conversation_of(engine, staff.id)
    assert (conversation.state, conversation.data) == ("name", {})
    assert count(engine, Person, Person.name == too_long) == 0


async def test_text_at_the_limit_is_accepted(app, engine, settings) -> None:
    staff = the_staff(engine)
    dialog = await bound(app, staff, "3001")
    await dialog.send("/adduser")
    await dialog.send("长" * settings.max_text_length)
    assert dialog.text != zh(app)("common.too_long", limit=settings.max_text_length)
    assert dialog.last[0].text == zh(app)("adduser.name_too_long")


async def test_oversized_text_is_refused_in_the_persons_language(app, engine, settings) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.press("lang:en")
    await dialog.send("x" * (settings.max_text_length + 1))
    assert dialog.text == en(app)("common.too_long", limit=settings.max_text_length)


async def test_sticker_outside_a_flow_is_not_understood(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    replies = await dialog.send_event(EventKind.UNSUPPORTED)
    assert replies[0].text == zh(app)("common.not_understood")
    assert dialog.labels(), "the answer offers the menu"


@pytest.mark.parametrize("kind", [EventKind.DOCUMENT, EventKind.UNSUPPORTED, EventKind.PHOTO,
                                  EventKind.VOICE])
async def test_non_text_inside_adduser_asks_for_text_and_keeps_the_state(app, engine,
                                                                          kind) -> None:
    staff = the_staff(engine)
    dialog = await bound(app, staff, "3001")
    await dialog.send("/adduser")
    await dialog.send("赵六")
    media = (MediaRef("file-1", 10, "application/pdf", _no_bytes),) \
        if kind in (EventKind.DOCUMENT, EventKind.PHOTO, EventKind.VOICE) else ()
    replies = await dialog.send_event(kind, media=media)
    t = zh(app)
    assert [r.text for r in replies] == [t("common.text_expected"), t("adduser.ask_phone")]
    assert conversation_of(engine, staff.id).state == "phone"


async def test_forged_flow_button_from_a_delegate_is_denied_and_audited(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    before = count(engine, Person)
    await dialog.press("f:adduser:confirm:yes")
    assert dialog.text == zh(app)("common.not_allowed")
    denied = audits(engine, "denied")
    assert [(a.actor_id, a.note) for a in denied] == [(person.id, "f:adduser:confirm:yes")]
    assert count(engine, Person) == before
    assert conversation_of(engine, person.id) is None


async def test_unknown_payload_is_refused_and_audited_as_forged(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.press("zz:1")
    assert dialog.text == zh(app)("common.button_unknown")
    assert [(a.actor_id, a.note) for a in audits(engine, "forged_payload")] == [(person.id, "zz:1")]


async def test_flow_payload_for_an_unknown_flow_is_forged(app, engine) -> None:
    dialog = await bound(app, the_staff(engine), "3001")
    await dialog.press("f:nosuchflow:name:x")
    assert dialog.text == zh(app)("common.button_unknown")
    assert len(audits(engine, "forged_payload")) == 1


async def test_forged_language_is_refused_and_locale_unchanged(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.press("lang:xx")
    assert dialog.text == zh(app)("common.button_unknown")
    with unit_of_work(engine) as session:
        assert session.get(Person, person.id).locale is None
    assert [a.note for a in audits(engine, "forged_payload")] == ["lang:xx"]


async def test_delegate_sending_adduser_is_denied_and_audited(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.send("/adduser")
    assert dialog.text == zh(app)("common.not_allowed")
    assert [(a.actor_id, a.note) for a in audits(engine, "denied")] == [(person.id, "/adduser")]
    assert conversation_of(engine, person.id) is None


async def test_delegate_pressing_the_adduser_menu_button_is_denied(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.press("cmd:adduser")
    assert dialog.text == zh(app)("common.not_allowed")
    assert len(audits(engine, "denied")) == 1
    assert conversation_of(engine, person.id) is None


async def test_unknown_command(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/foo")
    assert dialog.text == zh(app)("common.unknown_command", command="foo")


async def test_redelivered_update_is_handled_once(app, engine) -> None:
    person = a_delegate(engine)
    await bound(app, person, "1001")
    event = Event("test", "1001", EventKind.BUTTON, payload="zz:9", update_key="u-42")
    first = await app.dispatcher.handle(event)
    assert [r.text for r in first] == [zh(app)("common.button_unknown")]
    second = await app.dispatcher.handle(event)
    assert second == []
    assert len(audits(engine, "forged_payload")) == 1


async def test_redelivered_flow_step_moves_the_flow_once(app, engine) -> None:
    staff = the_staff(engine)
    await bound(app, staff, "3001")
    await Dialog(app, user_id="3001").send("/adduser")
    event = Event.from_text("test", "3001", "钱七", update_key="u-43")
    first = await app.dispatcher.handle(event)
    assert [r.text for r in first] == [zh(app)("adduser.ask_phone")]
    assert await app.dispatcher.handle(event) == []
    assert conversation_of(engine, staff.id).state == "phone"


async def test_same_update_key_on_another_channel_is_not_a_duplicate(app, engine) -> None:
    await bound(app, a_delegate(engine), "1001")
    first = await app.dispatcher.handle(Event.from_text("test", "1001", "/whoami", update_key="7"))
    other = await app.dispatcher.handle(Event.from_text("other", "1001", "hi", update_key="7"))
    assert first and other
    assert other[0].text == zh(app)("onboarding.not_bound")


async def test_handler_exception_rolls_back_and_answers_with_a_generic_error(app, engine) -> None:
    async def boom(ctx) -> list[Reply]:
        ctx.session.add(AuditEntry(at=ctx.now, actor_id=ctx.person.id, action="boom_written"))
        ctx.session.flush()
        raise RuntimeError("handler blew up")

    app.router.command("boom", boom)
    dialog = await bound(app, a_delegate(engine), "1001")
    replies = await dialog.send("/boom")
    assert [r.text for r in replies] == [zh(app)("common.error")]
    assert audits(engine, "boom_written") == []


async def test_handler_exception_answers_in_the_persons_language(app, engine) -> None:
    async def boom(ctx) -> list[Reply]:
        raise RuntimeError("handler blew up")

    app.router.command("boom", boom)
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.press("lang:en")
    await dialog.send("/boom")
    assert dialog.text == en(app)("common.error")


async def test_refusal_rolls_back_and_answers_with_its_message(app, engine) -> None:
    async def refuse(ctx) -> list[Reply]:
        ctx.audit("refusal_written")
        ctx.session.flush()
        raise Refusal("common.too_long", limit=7)

    app.router.command("refuse", refuse)
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/refuse")
    assert dialog.text == zh(app)("common.too_long", limit=7)
    assert audits(engine, "refusal_written") == []


async def test_refusal_answers_in_the_persons_language(app, engine) -> None:
    async def refuse(ctx) -> list[Reply]:
        raise Refusal("common.not_allowed")

    app.router.command("refuse", refuse)
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.press("lang:en")
    await dialog.send("/refuse")
    assert dialog.text == en(app)("common.not_allowed")


async def test_a_failed_event_does_not_poison_the_next_one(app, engine) -> None:
    async def boom(ctx) -> list[Reply]:
        raise RuntimeError("handler blew up")

    app.router.command("boom", boom)
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.send("/boom")
    await dialog.send("/whoami")
    assert person.name in dialog.text
    with unit_of_work(engine) as session:
        assert session.get(Conversation, person.id) is None


async def test_line_breaks_survive_and_other_controls_go_on_every_channel(app, engine) -> None:
    seen = []

    async def echo(ctx) -> list[Reply]:
        seen.append((ctx.event.text, ctx.event.args))
        return [Reply("ok")]

    app.router.command("echo", echo)
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/echo 第一行\r\n第二行\t缩进\x1b[31m\x7f\u200d👨\u200d👩")
    assert seen == [("/echo 第一行\n第二行\t缩进[31m\u200d👨\u200d👩",
                     "第一行\n第二行\t缩进[31m\u200d👨\u200d👩")]

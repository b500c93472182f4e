"""Onboarding dialogs: unknown accounts, binding with an invite, /whoami, /help, /lang, /cancel."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.types import EventKind
from storage import identities
from storage.db import unit_of_work
from storage.models import ChannelIdentity, Invite, Person
from storage.people import groups_of
from tests.given import a_delegate, audits, bound, count, en, invite_code, the_staff, zh
from tests.support import Dialog

pytestmark = pytest.mark.usefixtures("demo")


def _group_names(engine, person_id: int) -> list[str]:
    with unit_of_work(engine) as session:
        return [group.name for group, _ in groups_of(session, person_id)]


# --- accounts nobody has bound ------------------------------------------------------------

async def test_unbound_text_gets_the_explanation(app) -> None:
    dialog = Dialog(app, user_id="stranger")
    replies = await dialog.send("你好")
    assert [r.text for r in replies] == [zh(app)("onboarding.not_bound")]
    assert "邀请码" in dialog.text


async def test_unbound_whoami_gets_the_explanation(app) -> None:
    dialog = Dialog(app, user_id="stranger")
    await dialog.send("/whoami")
    assert dialog.text == zh(app)("onboarding.not_bound")
    assert "邀请码" in dialog.text


async def test_unbound_button_press_is_explained_and_audited_as_denied(app, engine) -> None:
    dialog = Dialog(app, user_id="stranger")
    await dialog.press("f:adduser:confirm:yes")
    assert dialog.text == zh(app)("onboarding.not_bound")
    denied = audits(engine, "denied")
    assert len(denied) == 1
    assert denied[0].actor_id is None
    assert "test:stranger" in denied[0].note
    assert "f:adduser:confirm:yes" in denied[0].note


async def test_unbound_help_lists_only_public_commands(app) -> None:
    dialog = Dialog(app, user_id="stranger")
    await dialog.send("/help")
    assert "/start" in dialog.text and "/help" in dialog.text
    assert "/whoami" not in dialog.text and "/adduser" not in dialog.text
    assert zh(app)("onboarding.not_bound") in dialog.text


# --- binding with an invite ---------------------------------------------------------------

async def test_start_with_code_greets_by_name_with_groups_and_role(app, engine) -> None:
    person = a_delegate(engine)
    dialog = Dialog(app, user_id="1001")
    await dialog.send(f"/start {invite_code(engine, person.id)}")
    t = zh(app)
    assert t("onboarding.welcome", name=person.name) in dialog.text
    groups = _group_names(engine, person.id)
    assert groups
    for name in groups:
        assert name in dialog.text
    assert t("whoami.roles", roles=t("role.delegate")) in dialog.text
    assert dialog.labels(), "the greeting offers the menu"
    with unit_of_work(engine) as session:
        assert identities.resolve(session, "test", "1001").id == person.id
        invite = session.exec(select(Invite).where(Invite.person_id == person.id)).one()
        assert invite.redeemed_by == "test:1001"
        assert invite.redeemed_at is not None
    assert [a.subject_id for a in audits(engine, "bound")] == [person.id]


async def test_second_account_with_the_same_code_is_refused_and_not_bound(app, engine) -> None:
    person = a_delegate(engine)
    code = invite_code(engine, person.id)
    await Dialog(app, user_id="1001").send(f"/start {code}")
    other = Dialog(app, user_id="2002")
    await other.send(f"/start {code}")
    assert other.text == zh(app)("onboarding.invite_used")
    with unit_of_work(engine) as session:
        assert identities.resolve(session, "test", "2002") is None
        assert identities.resolve(session, "test", "1001").id == person.id
    assert count(engine, ChannelIdentity) == 1
    assert any(a.note.startswith("used") for a in audits(engine, "invite_refused"))


async def test_expired_code_is_refused(app, engine, clock) -> None:
    person = a_delegate(engine)
    clock.advance(days=31)
    dialog = Dialog(app, user_id="1001")
    await dialog.send(f"/start {invite_code(engine, person.id)}")
    assert dialog.text == zh(app)("onboarding.invite_expired")
    with unit_of_work(engine) as session:
        assert identities.resolve(session, "test", "1001") is None


@pytest.mark.parametrize("garbage", ["NOTACODE", "ABC", "这不是邀请码", "A" * 25])
async def test_garbage_code_is_refused(app, engine, garbage: str) -> None:
    dialog = Dialog(app, user_id="1001")
    await dialog.send(f"/start {garbage}")
    assert dialog.text == zh(app)("onboarding.invite_unknown")
    assert count(engine, ChannelIdentity) == 0
    assert len(audits(engine, "invite_refused")) == 1


async def test_typed_code_is_normalized(app, engine) -> None:
    person = a_delegate(engine)
    code = invite_code(engine, person.id)
    typed = f"{code[:2].lower()} {code[2:4].lower()}-{code[4:6]}- {code[6:].lower()}"
    dialog = Dialog(app, user_id="1001")
    await dialog.send(f"/start {typed}")
    assert zh(app)("onboarding.welcome", name=person.name) in dialog.text
    with unit_of_work(engine) as session:
        assert identities.resolve(session, "test", "1001").id == person.id


async def test_bound_user_starting_again_with_a_code_is_told_so(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.send(f"/start {invite_code(engine, person.id)}")
    assert dialog.text == zh(app)("onboarding.already_bound", name=person.name)
    await dialog.send("/start")
    assert zh(app)("onboarding.welcome", name=person.name) in dialog.text


async def test_bound_user_cannot_bind_someone_elses_code(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    staff = the_staff(engine)
    await dialog.send(f"/start {invite_code(engine, staff.id)}")
    assert dialog.text == zh(app)("onboarding.already_bound", name=person.name)
    with unit_of_work(engine) as session:
        assert identities.resolve(session, "test", "1001").id == person.id
        staff_invite = session.exec(select(Invite).where(Invite.person_id == staff.id)).one()
        assert staff_invite.redeemed_at is None


# --- what a bound person sees -------------------------------------------------------------

async def test_whoami_shows_masked_phone_and_groups(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.send("/whoami")
    masked = person.phone[:3] + "****" + person.phone[-4:]
    assert masked in dialog.text
    assert person.phone not in dialog.text
    assert person.name in dialog.text
    assert zh(app)(f"level.{person.level}") in dialog.text
    for name in _group_names(engine, person.id):
        assert name in dialog.text


async def test_help_for_a_delegate_leaves_out_staff_commands(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/help")
    for command in ("/help", "/menu", "/whoami", "/lang"):
        assert command in dialog.text
    assert "/adduser" not in dialog.text
    assert zh(app)("help.adduser.button") not in dialog.labels()


async def test_help_for_staff_includes_adduser(app, engine) -> None:
    dialog = await bound(app, the_staff(engine), "3001")
    await dialog.send("/help")
    assert "/adduser" in dialog.text
    assert zh(app)("help.adduser.button") in dialog.labels()


async def test_menu_button_runs_its_command(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.send("/menu")
    await dialog.press(zh(app)("help.whoami.button"))
    assert person.phone[-4:] in dialog.text and person.name in dialog.text


async def test_lang_switches_to_english_and_is_remembered(app, engine) -> None:
    person = a_delegate(engine)
    dialog = await bound(app, person, "1001")
    await dialog.send("/lang")
    assert dialog.text == zh(app)("lang.choose")
    await dialog.press("English")
    assert dialog.text == en(app)("lang.set")
    await dialog.send("/whoami")
    assert en(app)(f"level.{person.level}") in dialog.text
    assert en(app)("role.delegate") in dialog.text
    with unit_of_work(engine) as session:
        assert session.get(Person, person.id).locale == "en"

    again = Dialog(app, user_id="1001")
    await again.send("/help")
    assert again.text.startswith(en(app)("help.title"))
    await again.press("lang:zh_CN")
    assert again.text == zh(app)("lang.set")


async def test_cancel_with_nothing_open(app, engine) -> None:
    dialog = await bound(app, a_delegate(engine), "1001")
    await dialog.send("/cancel")
    assert dialog.text == zh(app)("common.nothing_to_cancel")


async def test_unsupported_events_from_unbound_accounts_get_the_explanation(app) -> None:
    dialog = Dialog(app, user_id="stranger")
    await dialog.send_event(EventKind.UNSUPPORTED)
    assert dialog.text == zh(app)("onboarding.not_bound")

"""The staff flow that adds a person: every step, wrong answers, double taps, restarts, cancel."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from bot.app import build_app
from bot.flows.engine import flow_payload
from storage.db import unit_of_work
from storage.models import Conversation, Group, Invite, Membership, Person
from tests.given import a_delegate, audits, bound, conversation_of, count, the_staff, zh
from tests.support import Dialog

pytestmark = pytest.mark.usefixtures("demo")

NEW_NAME, NEW_PHONE, TOWNSHIP = "欧阳新人", "13912345678", "禾丰镇"


@pytest.fixture
async def staff_dialog(app, engine) -> Dialog:
    """The demo staff member, bound on the test channel as account 3001."""
    return await bound(app, the_staff(engine), "3001")


def _state(engine) -> str | None:
    conversation = conversation_of(engine, the_staff(engine).id)
    return conversation.state if conversation else None


async def _walk_to_confirm(dialog: Dialog, app) -> None:
    t = zh(app)
    await dialog.send("/adduser")
    assert dialog.text == t("adduser.ask_name")
    await dialog.send(NEW_NAME)
    assert dialog.text == t("adduser.ask_phone")
    await dialog.send("139 1234-5678")
    assert dialog.text == t("adduser.ask_level")
    await dialog.press(t("level.county"))
    assert dialog.text == t("adduser.ask_township")
    await dialog.send(TOWNSHIP)
    assert dialog.text == t("adduser.ask_group")
    await dialog.press(f"{TOWNSHIP}代表小组")
    assert dialog.text == t("adduser.ask_role", step=6)
    await dialog.press(t("role.delegate"))
    assert t("common.confirm") in dialog.labels()


def _created_code(dialog: Dialog) -> str:
    match = re.search(r"[23456789A-HJKMNP-Z]{8}", dialog.text)
    assert match, dialog.text
    return match.group(0)


async def test_the_draft_is_kept_between_steps(app, engine, staff_dialog) -> None:
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    conversation = conversation_of(engine, the_staff(engine).id)
    assert (conversation.state, conversation.data) == (
        "level", {"name": NEW_NAME, "phone": NEW_PHONE})


async def test_staff_adds_a_person_through_every_step(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _walk_to_confirm(staff_dialog, app)
    summary = staff_dialog.text
    for part in (NEW_NAME, NEW_PHONE, t("level.county"), TOWNSHIP, f"{TOWNSHIP}代表小组",
                 t("role.delegate")):
        assert part in summary
    await staff_dialog.press(t("common.confirm"))
    code = _created_code(staff_dialog)
    assert staff_dialog.text == t("adduser.created", name=NEW_NAME, code=code)
    staff = the_staff(engine)
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == NEW_PHONE)).one()
        assert (person.name, person.level, person.township) == (NEW_NAME, "county", TOWNSHIP)
        group = session.exec(select(Group).where(Group.name == f"{TOWNSHIP}代表小组")).one()
        membership = session.get(Membership, (person.id, group.id))
        assert membership is not None and not membership.is_leader
        invite = session.get(Invite, code)
        assert invite.person_id == person.id and invite.redeemed_at is None
        assert session.get(Conversation, staff.id) is None
    added = audits(engine, "person_added")
    assert [(a.actor_id, a.subject_type, a.subject_id, a.to_state) for a in added] == [
        (staff.id, "person", person.id, "delegate")]


async def test_the_new_persons_invite_binds_them(app, engine, staff_dialog) -> None:
    await _walk_to_confirm(staff_dialog, app)
    await staff_dialog.press(zh(app)("common.confirm"))
    newcomer = Dialog(app, user_id="5005")
    await newcomer.send(f"/start {_created_code(staff_dialog)}")
    assert zh(app)("onboarding.welcome", name=NEW_NAME) in newcomer.text
    assert f"{TOWNSHIP}代表小组" in newcomer.text


async def test_skipping_township_and_group_adds_a_person_without_groups(app, engine,
                                                                         staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    await staff_dialog.press(t("level.township"))
    await staff_dialog.press(t("common.skip"))
    assert staff_dialog.labels() == [t("common.skip")], "no township, so no group to offer"
    await staff_dialog.press(t("common.skip"))
    await staff_dialog.press(t("role.delegate"))
    await staff_dialog.press(t("common.confirm"))
    assert NEW_NAME in staff_dialog.text
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == NEW_PHONE)).one()
        assert (person.level, person.township) == ("township", None)
        assert session.exec(select(Membership).where(Membership.person_id == person.id)).all() == []


async def test_invalid_phone_is_asked_again(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    for wrong in ("12345", "23912345678", "1391234567a", "139123456789"):
        replies = await staff_dialog.send(wrong)
        assert [r.text for r in replies] == [t("adduser.phone_invalid"), t("adduser.ask_phone")]
        assert _state(engine) == "phone"


async def test_duplicate_phone_is_refused(app, engine, staff_dialog) -> None:
    t = zh(app)
    taken = a_delegate(engine).phone
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    replies = await staff_dialog.send(f"+86 {taken[:3]}-{taken[3:7]}-{taken[7:]}")
    assert [r.text for r in replies] == [t("adduser.phone_taken", phone=taken),
                                         t("adduser.ask_phone")]
    assert _state(engine) == "phone"
    assert count(engine, Person, Person.phone == taken) == 1


async def test_too_long_name_is_asked_again(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    replies = await staff_dialog.send("名" * 51)
    assert [r.text for r in replies] == [t("adduser.name_too_long"), t("adduser.ask_name")]
    assert _state(engine) == "name"


async def test_level_must_be_picked_from_the_buttons(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    replies = await staff_dialog.send("很高级")
    assert [r.text for r in replies] == [t("adduser.pick_button"), t("adduser.ask_level")]
    assert _state(engine) == "level"


async def test_unknown_group_name_is_asked_again(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    await staff_dialog.press(t("level.township"))
    await staff_dialog.press(t("common.skip"))
    replies = await staff_dialog.send("不存在的小组")
    assert [r.text for r in replies] == [t("adduser.group_unknown", name="不存在的小组"),
                                         t("adduser.ask_group")]
    assert _state(engine) == "group"


async def test_start_over_returns_to_the_name(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _walk_to_confirm(staff_dialog, app)
    await staff_dialog.press(t("adduser.start_over"))
    assert staff_dialog.text == t("adduser.ask_name")
    assert _state(engine) == "name"
    assert count(engine, Person, Person.phone == NEW_PHONE) == 0


async def test_double_tap_on_confirm_adds_the_person_once(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _walk_to_confirm(staff_dialog, app)
    confirm = staff_dialog.payload_of(t("common.confirm"))
    await staff_dialog.press(confirm)
    assert NEW_NAME in staff_dialog.text
    await staff_dialog.press(confirm)
    assert staff_dialog.text == t("common.button_expired")
    assert count(engine, Person, Person.phone == NEW_PHONE) == 1
    assert len(audits(engine, "person_added")) == 1


async def test_an_earlier_steps_button_has_expired(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    county = staff_dialog.payload_of(t("level.county"))
    await staff_dialog.press(county)
    assert _state(engine) == "township"
    await staff_dialog.press(county)
    assert staff_dialog.text == t("common.button_expired")
    assert _state(engine) == "township"


async def test_the_flow_survives_a_restart(app, engine, settings, clock, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    assert staff_dialog.text == t("adduser.ask_level")

    restarted = build_app(settings, engine, clock)
    dialog = Dialog(restarted, user_id="3001")
    await dialog.press(flow_payload("adduser", "level", "municipal"))
    assert dialog.text == t("adduser.ask_township")
    await dialog.press(t("common.skip"))
    await dialog.press(t("common.skip"))
    await dialog.press(t("role.delegate"))
    assert NEW_NAME in dialog.text and NEW_PHONE in dialog.text
    await dialog.press(t("common.confirm"))
    assert NEW_NAME in dialog.text
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == NEW_PHONE)).one()
        assert (person.name, person.level) == (NEW_NAME, "municipal")


async def test_cancel_mid_flow_discards_the_draft(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send(NEW_PHONE)
    level_button = staff_dialog.payload_of(t("level.county"))
    await staff_dialog.send("/cancel")
    assert staff_dialog.text == t("drafts.confirm_cancel", flow=t("drafts.flow.adduser"))
    await staff_dialog.press(t("drafts.discard"))
    assert staff_dialog.text == t("common.cancelled")
    assert conversation_of(engine, the_staff(engine).id) is None
    await staff_dialog.press(level_button)
    assert staff_dialog.text == t("common.button_expired")
    await staff_dialog.send(NEW_NAME)
    assert staff_dialog.text == t("common.not_understood")
    assert count(engine, Person, Person.phone == NEW_PHONE) == 0


async def test_adduser_again_starts_afresh(app, engine, staff_dialog) -> None:
    t = zh(app)
    await staff_dialog.send("/adduser")
    await staff_dialog.send(NEW_NAME)
    await staff_dialog.send("/adduser")  # the half-filled draft is not dropped unasked
    assert staff_dialog.text == t("drafts.unfinished", flow=t("drafts.flow.adduser"))
    await staff_dialog.press(t("drafts.discard_and_go"))
    assert staff_dialog.text == t("adduser.ask_name")
    conversation = conversation_of(engine, the_staff(engine).id)
    assert (conversation.state, conversation.data) == ("name", {})


async def test_typed_words_do_not_press_the_buttons(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _walk_to_confirm(staff_dialog, app)
    await staff_dialog.send("yes")
    assert t("adduser.pick_button") in staff_dialog.text
    assert _state(engine) == "confirm"
    assert count(engine, Person, Person.phone == NEW_PHONE) == 0

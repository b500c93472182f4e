"""The role step of /adduser: staff, leadership, liaison of a department, 组长; forged choices."""

from __future__ import annotations

import re

import pytest
from sqlmodel import delete, select

from bot.flows.engine import flow_payload
from storage.case_models import CaseStatus
from storage.db import unit_of_work
from storage.models import Department, Liaison, Membership, Person, Role, RoleGrant
from storage.people import effective_roles
from tests.factories import demo_reporter, liaison_of, make_case
from tests.given import audits, bound, conversation_of, count, the_staff, zh
from tests.support import Dialog

pytestmark = pytest.mark.usefixtures("demo")

NEW_NAME, NEW_PHONE, TOWNSHIP = "司马新岗", "13912340001", "禾丰镇"
GROUP = f"{TOWNSHIP}代表小组"
DEPARTMENT = "县商务局"


@pytest.fixture
async def staff_dialog(app, engine) -> Dialog:
    """The demo staff member, bound on the test channel as account 3001."""
    return await bound(app, the_staff(engine), "3001")


async def _name_and_phone(dialog: Dialog) -> None:
    await dialog.send("/adduser")
    await dialog.send(NEW_NAME)
    await dialog.send(NEW_PHONE)


async def _without_level(dialog: Dialog, app) -> None:
    await _name_and_phone(dialog)
    await dialog.press(zh(app)("adduser.no_level"))


async def _in_group(dialog: Dialog, app) -> None:
    t = zh(app)
    await _name_and_phone(dialog)
    await dialog.press(t("level.county"))
    await dialog.send(TOWNSHIP)
    await dialog.press(GROUP)


def _state(engine) -> str | None:
    conversation = conversation_of(engine, the_staff(engine).id)
    return conversation.state if conversation else None


def _new_person(engine) -> tuple[Person, frozenset[Role]]:
    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == NEW_PHONE)).one()
        return person, effective_roles(session, person)


async def _newcomer(app, staff_dialog: Dialog) -> Dialog:
    """The person just added, binding their chat account with the invite shown to staff."""
    code = re.search(r"[23456789A-HJKMNP-Z]{8}", staff_dialog.text).group(0)
    newcomer = Dialog(app, user_id="5005")
    await newcomer.send(f"/start {code}")
    assert zh(app)("onboarding.welcome", name=NEW_NAME) in newcomer.text
    return newcomer


def _department_names(engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(Department.name).order_by(Department.name)).all())


async def test_without_a_level_only_roles_that_need_none_are_offered(app, staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    assert staff_dialog.text == t("adduser.ask_role", step=4)
    assert staff_dialog.labels() == [t("role.staff"), t("role.leadership"), t("role.liaison")]


async def test_staff_member_added_without_a_level_can_add_people(app, engine,
                                                                 staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    await staff_dialog.press(t("role.staff"))
    assert f"角色：{t('role.staff')}" in staff_dialog.text
    await staff_dialog.press(t("common.confirm"))
    person, roles = _new_person(engine)
    assert (person.level, person.township, roles) == (None, None, {Role.STAFF})
    assert [(a.subject_id, a.to_state) for a in audits(engine, "person_added")] == [
        (person.id, "staff")]
    newcomer = await _newcomer(app, staff_dialog)
    await newcomer.send("/adduser")
    assert newcomer.text == t("adduser.ask_name")


async def test_leader_added_without_a_level_can_supervise(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    await staff_dialog.press(t("role.leadership"))
    await staff_dialog.press(t("common.confirm"))
    person, roles = _new_person(engine)
    assert roles == {Role.LEADERSHIP}
    assert count(engine, RoleGrant, RoleGrant.person_id == person.id) == 1
    newcomer = await _newcomer(app, staff_dialog)
    await newcomer.send("/supervise")
    assert newcomer.text.startswith(t("supervise.figures", open=0, overdue=0, supervised=0,
                                      closed=0))


async def test_liaison_of_a_chosen_department_sees_its_tasks(app, engine, clock,
                                                             staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    await staff_dialog.press(t("role.liaison"))
    assert staff_dialog.text == t("adduser.ask_department", step=5)
    assert staff_dialog.labels() == _department_names(engine)
    await staff_dialog.press(DEPARTMENT)
    assert f"角色：{t('adduser.role_of', role=t('role.liaison'), of=DEPARTMENT)}" in \
        staff_dialog.text
    await staff_dialog.press(t("common.confirm"))
    person, roles = _new_person(engine)
    assert roles == {Role.LIAISON}
    with unit_of_work(engine) as session:
        department = session.exec(select(Department).where(Department.name == DEPARTMENT)).one()
        assert session.get(Liaison, (person.id, department.id)) is not None
        reporter, group = demo_reporter(session)
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group,
                         status=CaseStatus.ASSIGNED, department=department)
    added = audits(engine, "person_added")
    assert [(a.to_state, a.note) for a in added] == [
        ("liaison", f"{NEW_NAME}; department: {DEPARTMENT}")]
    newcomer = await _newcomer(app, staff_dialog)
    await newcomer.send("/tasks")
    assert newcomer.labels() == [case.number]


async def test_the_department_may_be_typed_and_a_wrong_name_is_asked_again(app, engine,
                                                                            staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    await staff_dialog.press(t("role.liaison"))
    replies = await staff_dialog.send("县宣传部")
    assert [r.text for r in replies] == [t("adduser.department_unknown", name="县宣传部"),
                                         t("adduser.ask_department", step=5)]
    assert _state(engine) == "department"
    await staff_dialog.send(DEPARTMENT)
    assert _state(engine) == "confirm"
    await staff_dialog.press(t("common.confirm"))
    person, _ = _new_person(engine)
    with unit_of_work(engine) as session:
        liaisons = session.exec(select(Department.name).join(
            Liaison, Liaison.department_id == Department.id)
            .where(Liaison.person_id == person.id)).all()
    assert liaisons == [DEPARTMENT]


async def test_squad_leader_of_the_chosen_group(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _in_group(staff_dialog, app)
    leader = t("adduser.role_of", role=t("role.squad_leader"), of=GROUP)
    assert staff_dialog.text == t("adduser.ask_role", step=6)
    assert staff_dialog.labels() == [t("role.delegate"), leader, t("role.staff"),
                                     t("role.leadership"), t("role.liaison")]
    await staff_dialog.press(leader)
    assert f"角色：{leader}" in staff_dialog.text
    await staff_dialog.press(t("common.confirm"))
    person, roles = _new_person(engine)
    assert roles == {Role.DELEGATE, Role.SQUAD_LEADER}
    with unit_of_work(engine) as session:
        memberships = session.exec(select(Membership).where(
            Membership.person_id == person.id)).all()
    assert [m.is_leader for m in memberships] == [True]
    assert [a.note for a in audits(engine, "person_added")] == [f"{NEW_NAME}; group: {GROUP}"]
    newcomer = await _newcomer(app, staff_dialog)
    await newcomer.send("/inbox")
    assert newcomer.text == t("views.inbox.empty")


async def test_a_delegate_may_also_be_staff(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _in_group(staff_dialog, app)
    await staff_dialog.press(t("role.staff"))
    await staff_dialog.press(t("common.confirm"))
    person, roles = _new_person(engine)
    assert (person.level, roles) == ("county", {Role.DELEGATE, Role.STAFF})


async def test_no_squad_leader_without_a_group(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _name_and_phone(staff_dialog)
    await staff_dialog.press(t("level.county"))
    await staff_dialog.press(t("common.skip"))
    await staff_dialog.press(t("common.skip"))
    assert staff_dialog.labels() == [t("role.delegate"), t("role.staff"), t("role.leadership"),
                                     t("role.liaison")]
    replies = await staff_dialog.press(flow_payload("adduser", "role", "squad_leader"))
    assert [r.text for r in replies] == [t("adduser.not_offered"), t("adduser.ask_role", step=6)]
    assert _state(engine) == "role"


async def test_a_delegate_without_a_level_is_refused(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    for role in ("delegate", "squad_leader"):
        replies = await staff_dialog.press(flow_payload("adduser", "role", role))
        assert [r.text for r in replies] == [t("adduser.not_offered"),
                                             t("adduser.ask_role", step=4)]
        assert _state(engine) == "role"
    replies = await staff_dialog.send(t("role.delegate"))
    assert replies[0].text == t("adduser.pick_button")
    assert _state(engine) == "role"
    assert count(engine, Person, Person.phone == NEW_PHONE) == 0


@pytest.mark.parametrize(("state", "value"), [
    ("role", "admin"), ("role", ""), ("department", "999999"), ("department", "abc"),
    ("department", "-1"),
])
async def test_forged_role_and_department_payloads_are_refused(app, engine, staff_dialog,
                                                               state: str, value: str) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    if state == "department":
        await staff_dialog.press(t("role.liaison"))
    replies = await staff_dialog.press(flow_payload("adduser", state, value))
    assert replies[0].text in (t("adduser.not_offered"), t("common.text_expected"))
    assert replies[1].text == t(f"adduser.ask_{state}", step=5 if state == "department" else 4)
    assert _state(engine) == state
    if value:
        assert [a.note for a in audits(engine, "forged_payload")] == [
            flow_payload("adduser", state, value)]
    assert count(engine, Person, Person.phone == NEW_PHONE) == 0


async def test_no_liaison_is_offered_when_there_are_no_departments(app, engine,
                                                                   staff_dialog) -> None:
    t = zh(app)
    with unit_of_work(engine) as session:
        session.exec(delete(Department))
    await _without_level(staff_dialog, app)
    assert staff_dialog.labels() == [t("role.staff"), t("role.leadership")]


async def test_start_over_forgets_the_role_and_department(app, engine, staff_dialog) -> None:
    t = zh(app)
    await _without_level(staff_dialog, app)
    await staff_dialog.press(t("role.liaison"))
    await staff_dialog.press(DEPARTMENT)
    await staff_dialog.press(t("adduser.start_over"))
    await _in_group(staff_dialog, app)
    await staff_dialog.press(t("role.delegate"))
    assert DEPARTMENT not in staff_dialog.text
    await staff_dialog.press(t("common.confirm"))
    person, roles = _new_person(engine)
    assert roles == {Role.DELEGATE}
    assert count(engine, Liaison, Liaison.person_id == person.id) == 0


async def test_a_department_removed_before_confirm_adds_nobody(app, engine, staff_dialog) -> None:
    t = zh(app)
    with unit_of_work(engine) as session:
        session.add(Department(name="县临时工作局", short_name="县临时工作"))
    await _without_level(staff_dialog, app)
    await staff_dialog.press(t("role.liaison"))
    await staff_dialog.press("县临时工作局")
    with unit_of_work(engine) as session:
        session.exec(delete(Department).where(Department.name == "县临时工作局"))
    await staff_dialog.press(t("common.confirm"))
    assert staff_dialog.text == t("adduser.choice_gone")
    assert count(engine, Person, Person.phone == NEW_PHONE) == 0
    assert conversation_of(engine, the_staff(engine).id) is None


async def test_whoami_of_a_liaison_names_the_department(app, engine) -> None:
    t = zh(app)
    with unit_of_work(engine) as session:
        department = session.exec(select(Department).where(Department.name == DEPARTMENT)).one()
        liaison = liaison_of(session, department)
    dialog = await bound(app, liaison, "4004")
    await dialog.send("/whoami")
    line = t("whoami.roles", roles=t("whoami.liaison_of", role=t("role.liaison"),
                                     departments=DEPARTMENT))
    assert line == f"角色：{t('role.liaison')}（{DEPARTMENT}）"
    assert line in dialog.text.splitlines()


async def test_whoami_in_english_names_the_department(app, engine) -> None:
    with unit_of_work(engine) as session:
        department = session.exec(select(Department).where(Department.name == DEPARTMENT)).one()
        liaison = liaison_of(session, department)
        liaison.locale = "en"
        session.add(liaison)
    dialog = await bound(app, liaison, "4004")
    await dialog.send("/whoami")
    assert f"Role: Liaison ({DEPARTMENT})" in dialog.text.splitlines()

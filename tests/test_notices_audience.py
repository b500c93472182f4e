"""Whom a notice may go to, checked on the server: a leader's own groups only; staff any
groups, levels, townships or every delegate; inactive people never; everyone once.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from storage.db import unit_of_work
from storage.models import Group, Membership, Person
from storage.notice_models import Notice
from storage.revocation import deactivate
from tests.given import audits, bound, conversation_of, count, zh
from tests.notice_support import (
    SEND,
    NoticeCast,
    members_of,
    notice_cast,
    originals,
    recipients,
    sent_id,
    to_audience,
)


@pytest.fixture
def cast(app, demo) -> NoticeCast:
    return notice_cast(app.engine)


def _delegates(engine, *where) -> int:
    return count(engine, Person, Person.active, Person.level.is_not(None), *where)


async def test_a_leader_cannot_choose_another_squad_by_a_forged_button(app, cast):
    dialog = await bound(app, cast.leader, "7701")
    await to_audience(dialog)
    await dialog.press(f"f:notice:groups:g:{cast.other_group.id}")
    assert dialog.text.startswith(zh(app)("common.not_allowed"))
    assert cast.other_group.name not in dialog.labels()
    draft = conversation_of(app.engine, cast.leader.id).data
    assert draft["audience"] == {"kind": "groups", "values": [cast.group.id]}
    assert [a.note for a in audits(app.engine, "denied")] == [
        f"group {cast.other_group.id}: f:notice:groups:g:{cast.other_group.id}"]
    for forged in ("f:notice:groups:back", "f:notice:groups:g:999999", "f:notice:groups:g:x"):
        await dialog.press(forged)
        assert dialog.text.startswith(zh(app)("common.not_allowed"))
    await dialog.press("f:notice:audience:everyone")  # a step the leader is not at
    assert dialog.text == zh(app)("common.button_expired")
    assert len(audits(app.engine, "denied")) == 4


async def test_a_group_the_leader_stopped_leading_is_dropped_at_sending(app, cast):
    with unit_of_work(app.engine) as session:
        session.add(Membership(person_id=cast.leader.id, group_id=cast.other_group.id,
                               is_leader=True))
    dialog = await bound(app, cast.leader, "7702")
    await to_audience(dialog)  # two groups now: none ticked beforehand
    await dialog.press(cast.group.name)
    await dialog.press(cast.other_group.name)
    await dialog.press("选好了")
    with unit_of_work(app.engine) as session:  # meanwhile the office takes that group away
        session.execute(update(Membership).where(
            Membership.person_id == cast.leader.id, Membership.group_id == cast.other_group.id
        ).values(is_leader=False))
    await dialog.press(SEND)
    assert zh(app)("notices.audience_changed") in dialog.text
    assert conversation_of(app.engine, cast.leader.id).state == "groups"
    assert conversation_of(app.engine, cast.leader.id).data["audience"]["values"] == [
        cast.group.id]
    assert count(app.engine, Notice) == 0


async def test_people_in_several_chosen_groups_get_the_notice_once(app, cast):
    member = cast.members[0]
    with unit_of_work(app.engine) as session:
        township = session.exec(select(Group).where(Group.township == member.township)).one()
    everyone = {p.id for p in members_of(app.engine, cast.group.id)} | {
        p.id for p in members_of(app.engine, township.id)}
    staff = await bound(app, cast.staff, "7703")
    await to_audience(staff)
    await staff.press("按小组")
    await staff.press(cast.group.name)
    await staff.press(township.name)
    await staff.press("选好了")
    assert f"收件人数：{len(everyone)} 人" in staff.text
    await staff.press(SEND)
    notice_id = sent_id(staff)
    assert sorted(row.person_id for row in originals(app.engine, notice_id)) == sorted(everyone)
    by_person = {r.person_id: r.group_id for r in recipients(app.engine, notice_id)}
    assert len(by_person) == len(everyone)
    assert by_person[member.id] == min(cast.group.id, township.id)


async def test_inactive_people_never_receive(app, cast, clock):
    gone = cast.members[0]
    with unit_of_work(app.engine) as session:
        deactivate(session, session.get(Person, gone.id), clock.utcnow(), cast.staff.id)
    dialog = await bound(app, cast.leader, "7704")
    await to_audience(dialog)
    await dialog.press("选好了")
    assert f"收件人数：{len(cast.members) - 1} 人" in dialog.text
    await dialog.press(SEND)
    notice_id = sent_id(dialog)
    assert gone.id not in [row.person_id for row in originals(app.engine, notice_id)]
    assert gone.id not in [r.person_id for r in recipients(app.engine, notice_id)]


async def test_staff_choose_levels_townships_or_every_delegate(app, cast):
    staff = await bound(app, cast.staff, "7705")
    await to_audience(staff)
    await staff.press("按代表层级")
    await staff.press("县人大代表")
    await staff.press("乡镇人大代表")
    await staff.press("✓ 乡镇人大代表")  # ticked twice: chosen, then not
    await staff.press("选好了")
    assert f"收件人数：{_delegates(app.engine, Person.level == 'county')} 人" in staff.text
    await staff.press("改发送对象")
    await staff.press("按乡镇")
    await staff.send("青石")  # a typed name ticks the township it means
    await staff.press("选好了")
    assert "发送对象：青石镇" in staff.text
    assert f"收件人数：{_delegates(app.engine, Person.township == '青石镇')} 人" in staff.text
    await staff.press("改发送对象")
    await staff.press("全体代表")
    assert f"收件人数：{_delegates(app.engine)} 人" in staff.text
    await staff.press(SEND)
    assert f"共 {_delegates(app.engine)} 人" in staff.text


async def test_typed_text_at_a_choice_of_buttons_is_answered_politely(app, cast):
    staff = await bound(app, cast.staff, "7706")
    await to_audience(staff)
    await staff.send("全体")
    assert staff.text.startswith(zh(app)("notices.pick_button")) and "发给谁" in staff.text
    await staff.press("按代表层级")
    await staff.send("县级")
    assert staff.text.startswith(zh(app)("notices.pick_button"))
    await staff.press("返回")
    await staff.press("按小组")
    await staff.send("不存在的小组")
    assert staff.text.startswith(zh(app)("notices.group_unknown", typed="不存在的小组"))
    with unit_of_work(app.engine) as session:
        groups = session.exec(select(func.count()).select_from(Group)).one()
    assert len(staff.labels()) == groups + 2  # every group, 选好了 and 返回

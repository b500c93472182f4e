"""Access that can be taken back: /deactivate, `liandong users deactivate|activate`."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.context import queue_push
from bot.core.types import Reply
from bot.delivery import DeliveryWorker
from storage.db import unit_of_work
from storage.models import Invite, OutboxMessage, OutboxStatus, Person, RoleGrant
from storage.revocation import activate
from tests.given import a_delegate, bound, invite_code, the_staff, zh
from tests.support import Dialog
from tests.test_outbox import RecordingChannel

pytestmark = pytest.mark.usefixtures("demo")


def _second_staff(engine) -> Person:
    staff = the_staff(engine)
    with unit_of_work(engine) as session:
        return session.exec(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id)
                            .where(RoleGrant.role == "staff", Person.id != staff.id)).first()


async def test_a_deactivated_staff_member_is_a_stranger_and_gets_nothing(app, engine, clock):
    boss, leaving = the_staff(engine), _second_staff(engine)
    doomed = await bound(app, leaving, "6101")
    with unit_of_work(engine) as session:  # a push waiting for them
        queue_push(session, app.services, leaving.id, "test:pending", Reply("待发"))
    office = await bound(app, boss, "6102")
    await office.send(f"/deactivate {leaving.phone}")
    assert leaving.name in office.text and office.labels() == ["确认停用", "取消"]
    await office.press("确认停用")
    assert f"已停用 {leaving.name}，取消了 1 条待发消息" in office.text

    await doomed.send("/export")
    assert doomed.text == zh(app)("onboarding.not_bound")
    channel = RecordingChannel()
    assert await DeliveryWorker(engine, [channel], clock).run_once() == 0
    with unit_of_work(engine) as session:
        row = session.exec(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == "test:pending")).one()
    assert row.status == OutboxStatus.CANCELLED and channel.sent == []

    with unit_of_work(engine) as session:
        activate(session, session.get(Person, leaving.id), clock.utcnow(), boss.id)
    await doomed.send("/whoami")
    assert leaving.name in doomed.text


async def test_an_unused_invite_of_a_deactivated_person_is_void(app, engine):
    person = a_delegate(engine)
    code = invite_code(engine, person.id)
    office = await bound(app, the_staff(engine), "6103")
    await office.send(f"/deactivate {person.phone}")
    await office.press("确认停用")
    stranger = Dialog(app, user_id="6104")
    await stranger.send(f"/start {code}")
    assert stranger.text == zh(app)("onboarding.invite_expired")
    with unit_of_work(engine) as session:
        assert session.exec(select(Invite).where(Invite.code == code)).one().redeemed_at is None


async def test_staff_cannot_deactivate_themselves_nor_can_a_delegate(app, engine):
    staff = the_staff(engine)
    office = await bound(app, staff, "6105")
    await office.send(f"/deactivate {staff.phone}")
    assert office.text == zh(app)("deactivate.self")
    delegate = await bound(app, a_delegate(engine), "6106")
    await delegate.press(f"u:deact:{staff.id}")
    assert delegate.text == zh(app)("common.not_allowed")
    with unit_of_work(engine) as session:
        assert session.get(Person, staff.id).active

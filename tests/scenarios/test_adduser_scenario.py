"""Scenario 6 on every channel: the office staff add a person with /adduser; the new person's
invitation binds them on the same channel.
"""

from __future__ import annotations

import re

from sqlmodel import select

from storage.db import unit_of_work
from storage.models import Group, Invite, Membership, Person
from tests.given import the_staff

NEW_NAME, NEW_PHONE, TOWNSHIP = "欧阳新人", "13912345678", "禾丰镇"


async def test_staff_add_a_person_who_then_joins(driver, engine):
    await driver.as_person(the_staff(engine).phone)
    assert "姓名" in await driver.send("/adduser")
    await driver.send(NEW_NAME)
    await driver.send("139 1234-5678")  # blanks and a dash are fine
    await driver.press("县人大代表")
    await driver.send(TOWNSHIP)
    await driver.press(f"{TOWNSHIP}代表小组")
    summary = await driver.press("代表")
    for part in (NEW_NAME, NEW_PHONE, TOWNSHIP, f"{TOWNSHIP}代表小组"):
        assert part in summary
    created = await driver.press("确认")
    code = re.search(r"[23456789A-HJKMNP-Z]{8}", created)[0]

    with unit_of_work(engine) as session:
        person = session.exec(select(Person).where(Person.phone == NEW_PHONE)).one()
        assert (person.name, person.level, person.township) == (NEW_NAME, "county", TOWNSHIP)
        group = session.exec(select(Group).where(Group.name == f"{TOWNSHIP}代表小组")).one()
        assert session.get(Membership, (person.id, group.id)) is not None
        assert session.get(Invite, code).person_id == person.id

    await driver.as_person(NEW_PHONE)  # bound on the channel (by the invitation where needed)
    assert NEW_NAME in await driver.send("/whoami")
    assert f"{TOWNSHIP}代表小组" in driver.latest_text()

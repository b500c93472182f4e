"""The demo county comes with a briefing history: `/briefing` shows a change and the red flag."""

from __future__ import annotations

from sqlmodel import select

from bot.admin import load_demo_county
from storage.briefing_models import Briefing
from storage.db import unit_of_work
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Person
from tests.given import bound


async def test_the_demo_staff_see_the_briefing_with_its_history(app, settings, engine):
    assert load_demo_county(settings, engine).ok
    with unit_of_work(engine, read_only=True) as session:
        staff = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
        kinds = sorted(b.kind for b in session.exec(select(Briefing)).all())
    assert kinds == ["contest", "daily"]
    dialog = await bound(app, staff, "9901")
    replies = await dialog.send("/briefing")
    text = replies[0].text
    assert "【全县】" in text and "较上次：累计" in text
    first = next(line for line in text.splitlines() if line.startswith("1. "))
    assert first.endswith("🚩流动红旗")
    assert len(replies[0].attachments) == 2

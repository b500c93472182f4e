"""Abuse limits: invite attempts per account (in the database), events per account per minute."""

from __future__ import annotations

import pytest

from bot.app import build_app
from tests.given import a_delegate, audits, bound, the_staff, zh
from tests.support import Dialog

pytestmark = pytest.mark.usefixtures("demo")


async def test_invite_attempts_are_limited_per_account_and_survive_a_restart(app, settings,
                                                                            engine, clock):
    stranger = Dialog(app, user_id="6001")
    for n in range(5):
        await stranger.send(f"/start WRONGC0{n}")
        assert stranger.text == zh(app)("onboarding.invite_unknown")
    await stranger.send("/start WRONGC06")
    wait = zh(app)("onboarding.invite_wait", minutes=10)
    assert stranger.text == wait
    restarted = build_app(settings, engine, clock)  # the count is in the database
    again = Dialog(restarted, user_id="6001")
    for _ in range(3):
        await again.send("/start WRONGC07")
        assert again.text == wait
    assert len(audits(engine, "invite_refused")) == 5
    assert len(audits(engine, "invite_throttled")) == 1  # not one line per attempt
    other = Dialog(restarted, user_id="6002")  # another account is not affected
    await other.send("/start WRONGC08")
    assert other.text == zh(app)("onboarding.invite_unknown")

    clock.advance(minutes=11)
    await again.send("/start WRONGC09")
    assert again.text == zh(app)("onboarding.invite_unknown")


async def test_a_flood_from_one_account_is_answered_once_then_dropped(app, engine, clock):
    person = a_delegate(engine)
    dialog = await bound(app, person, "6003")  # the first of 30 events this minute
    for _ in range(29):
        await dialog.send("/whoami")
        assert person.name in dialog.text
    assert [r.text for r in await dialog.send("/whoami")] == [zh(app)("common.slow_down")]
    assert await dialog.send("/whoami") == []
    assert await dialog.send("/help") == []
    staff = the_staff(engine)
    neighbour = await bound(app, staff, "6004")  # another account is not slowed
    assert staff.name in neighbour.text

    clock.advance(seconds=10)  # five tokens back
    await dialog.send("/whoami")
    assert person.name in dialog.text

"""A slow update of one person does not hold up anyone else; each person's stay in order."""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util

import pytest

from bot.channels.telegram_concurrency import ACTIVE_UPDATES
from bot.core.types import Reply
from tests.telegram_support import ALICE, BOB, ask

OTHERS = range(6001, 6001 + ACTIVE_UPDATES + 4)


class Gate:
    """A `/slow <n>` command that records who entered it and waits until the test opens it."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.inside = self.most_inside = 0
        self.open = asyncio.Event()

    async def handle(self, ctx) -> list[Reply]:
        """The slow handler (a route on the real router, run by the real dispatcher).

        Like a real slow step (an export), the slow part runs after the commit: a handler never
        awaits while its transaction holds the database.
        """
        user, args = ctx.event.user_id, ctx.event.args

        async def slow() -> list[Reply]:
            self.entered.append(user)
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            try:
                await self.open.wait()
            finally:
                self.inside -= 1
            return [Reply(f"slow done {args}".strip())]

        ctx.after_commit(slow)
        return []


@pytest.fixture
def gate(channel):
    """`/slow` registered for anyone on the running channel's router; opened at the end."""
    gate = Gate()
    channel.app.router.command("slow", gate.handle, public=True)
    yield gate
    gate.open.set()  # a failed test must not leave the channel's stop waiting forever


async def test_a_slow_update_does_not_stall_other_people(api, gate):
    api.user_message(ALICE, "/slow 1")
    await api.wait_for(lambda: gate.entered)
    api.user_message(ALICE, "/slow 2")  # the same person: waits for the first
    assert "邀请码" in await ask(api, BOB, "/help")  # someone else: answered meanwhile
    assert gate.entered == [str(ALICE)], "Alice's second update waited for her first"
    assert api.sent_texts(ALICE) == []
    gate.open.set()
    texts = await api.wait_for(lambda: len(api.sent_texts(ALICE)) >= 2 and api.sent_texts(ALICE))
    assert texts == ["slow done 1", "slow done 2"]


async def test_one_persons_queue_does_not_take_every_slot(api, gate):
    album = ACTIVE_UPDATES + 2  # more updates of one person than are handled at once
    for number in range(album):
        api.user_message(ALICE, f"/slow {number}")
    await api.wait_for(lambda: gate.entered)
    assert "邀请码" in await ask(api, BOB, "/help")
    assert gate.entered == [str(ALICE)]
    gate.open.set()
    texts = await api.wait_for(
        lambda: len(api.sent_texts(ALICE)) >= album and api.sent_texts(ALICE))
    assert texts == [f"slow done {number}" for number in range(album)]


async def test_updates_in_hand_stay_within_the_bound(api, gate):
    last = 0
    for person in OTHERS:
        last = api.user_message(person, "/slow")
    await api.wait_for(lambda: len(gate.entered) >= ACTIVE_UPDATES)
    # PTB asks for the next batch only after taking every update of this one
    await api.wait_for(lambda: any(int(call.params.get("offset") or 0) > last
                                   for call in api.calls_to("getUpdates")))
    await asyncio.sleep(0)
    gate.open.set()
    await api.wait_for(lambda: all(api.sent_texts(person) for person in OTHERS))
    assert gate.most_inside == ACTIVE_UPDATES
    assert sorted(gate.entered) == sorted(str(person) for person in OTHERS)


def test_sniffio_is_a_declared_dependency():
    """Without it httpcore retries a failed `import sniffio` on every request."""
    declared = importlib.metadata.requires("liandong") or []
    assert any(requirement.startswith("sniffio") for requirement in declared)
    assert importlib.util.find_spec("sniffio") is not None

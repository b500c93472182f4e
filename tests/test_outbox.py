"""The durable outbox and its delivery worker: dedupe, quiet hours, retries, crashes, failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core.channel import PermanentDeliveryError, SingleMessageChannel, TransientDeliveryError
from bot.core.context import queue_push
from bot.core.quiet import next_allowed
from bot.core.types import Button, Reply
from bot.delivery import MAX_ATTEMPTS, UNREACHABLE_RETRY, DeliveryWorker, pending_count
from storage import outbox
from storage.db import unit_of_work
from storage.models import OutboxMessage, OutboxStatus, Person
from tests.given import bound, en, the_staff, zh

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class RecordingChannel(SingleMessageChannel):
    """A channel that records what it sends, or raises the errors it is given, in order."""

    name: str = "rec"
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)
    unreachable: set[int] = field(default_factory=set)

    def address_for(self, person_id: int, identities: dict[str, str],
                    person_name: str) -> str | None:
        return None if person_id in self.unreachable else str(person_id)

    async def send(self, address: str, reply: Reply) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((address, reply))


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def worker(engine, channel, clock) -> DeliveryWorker:
    return DeliveryWorker(engine, [channel], clock)


@pytest.fixture
def person_id(engine, clock) -> int:
    with unit_of_work(engine) as session:
        person = Person(name="收件人", phone="13911112222", created_at=clock.utcnow())
        session.add(person)
        session.flush()
        return person.id


def _push(app, person_id: int, key: str = "test:1", text: str = "你好", *,
          quiet: bool = True) -> bool:
    with unit_of_work(app.engine) as session:
        return queue_push(session, app.services, person_id, key, Reply(text), quiet=quiet)


def _rows(engine) -> list[OutboxMessage]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def _only_row(engine) -> OutboxMessage:
    rows = _rows(engine)
    assert len(rows) == 1
    return rows[0]


def _at_shanghai(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


async def test_same_dedupe_key_twice_is_one_row_and_one_send(app, engine, worker, channel,
                                                             person_id) -> None:
    assert _push(app, person_id, "briefing:2026-11-23:user:1", "第一次") is True
    assert _push(app, person_id, "briefing:2026-11-23:user:1", "第二次") is False
    assert len(_rows(engine)) == 1
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    assert [(a, reply.text) for a, reply in channel.sent] == [(str(person_id), "第一次")]
    row = _only_row(engine)
    assert (row.status, row.channel, row.attempts) == (OutboxStatus.SENT, "rec", 0)
    assert row.sent_at == app.services.clock.utcnow()
    assert pending_count(engine) == 0


async def test_buttons_survive_the_outbox(app, worker, channel, person_id) -> None:
    reply = Reply("请选择", ((Button("是", "x:1"), Button("否", "x:0")),))
    with unit_of_work(app.engine) as session:
        queue_push(session, app.services, person_id, "k:buttons", reply)
    await worker.run_once()
    assert channel.sent == [(str(person_id), reply)]


async def test_quiet_hours_hold_a_push_until_the_morning(app, engine, worker, channel, clock,
                                                         person_id) -> None:
    clock.set(_at_shanghai(23, 23))
    _push(app, person_id)
    assert _only_row(engine).not_before == _at_shanghai(24, 7, 30)
    assert await worker.run_once() == 0
    clock.set(_at_shanghai(24, 7, 29, 59))
    assert await worker.run_once() == 0
    assert channel.sent == []
    clock.set(_at_shanghai(24, 7, 30))
    assert await worker.run_once() == 1
    assert len(channel.sent) == 1


async def test_urgent_push_ignores_quiet_hours(app, engine, worker, channel, clock,
                                               person_id) -> None:
    clock.set(_at_shanghai(23, 23))
    _push(app, person_id, quiet=False)
    assert _only_row(engine).not_before == _at_shanghai(23, 23)
    assert await worker.run_once() == 1


async def test_daytime_push_is_due_at_once(app, engine, worker, clock, person_id) -> None:
    _push(app, person_id)
    assert _only_row(engine).not_before == clock.utcnow()
    assert await worker.run_once() == 1


async def test_transient_error_with_retry_after_is_retried_then(app, engine, worker, channel,
                                                                clock, person_id) -> None:
    channel.errors.append(TransientDeliveryError("Flood control exceeded", retry_after=30))
    _push(app, person_id)
    start = clock.utcnow()
    assert await worker.run_once() == 0
    row = _only_row(engine)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)  # a rate limit, not a fault
    assert row.not_before == start + timedelta(seconds=30)
    assert row.last_error == "Flood control exceeded"
    clock.advance(seconds=29)
    assert await worker.run_once() == 0
    clock.advance(seconds=1)
    assert await worker.run_once() == 1
    assert len(channel.sent) == 1
    assert _only_row(engine).status == OutboxStatus.SENT


async def test_permanent_error_fails_the_row(app, engine, worker, channel, clock,
                                             person_id) -> None:
    channel.errors.append(PermanentDeliveryError("Forbidden: bot was blocked by the user"))
    _push(app, person_id)
    assert await worker.run_once() == 0
    row = _only_row(engine)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "blocked" in row.last_error
    clock.advance(days=1)
    assert await worker.run_once() == 0
    assert channel.sent == []
    assert pending_count(engine) == 0


async def test_an_unexpected_error_counts_an_attempt_and_the_rest_are_delivered(
        app, engine, worker, channel, clock, person_id) -> None:
    channel.errors.append(RuntimeError("a bug in the channel"))
    _push(app, person_id, "k:first", "一")
    _push(app, person_id, "k:second", "二")
    assert await worker.run_once() == 1
    rows = {row.dedupe_key: row for row in _rows(engine)}
    assert (rows["k:first"].status, rows["k:first"].attempts) == (OutboxStatus.PENDING, 1)
    assert "RuntimeError" in rows["k:first"].last_error
    assert rows["k:first"].not_before == clock.utcnow() + timedelta(seconds=5)
    assert rows["k:second"].status == OutboxStatus.SENT
    clock.advance(seconds=5)
    assert await worker.run_once() == 1
    assert [reply.text for _, reply in channel.sent] == ["二", "一"]


async def test_transient_errors_give_up_after_max_attempts(app, engine, worker, channel, clock,
                                                           person_id) -> None:
    channel.errors.extend(TransientDeliveryError("timeout") for _ in range(MAX_ATTEMPTS + 5))
    _push(app, person_id)
    waits = []
    for _ in range(MAX_ATTEMPTS + 3):
        before = clock.utcnow()
        assert await worker.run_once() == 0
        row = _only_row(engine)
        if row.status == OutboxStatus.FAILED:
            break
        waits.append(row.not_before - before)
        clock.advance(hours=2)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert len(channel.errors) == 5, "exactly MAX_ATTEMPTS tries were made"
    assert waits[0] == timedelta(seconds=5)
    assert waits == sorted(waits) and waits[-1] == timedelta(hours=1)


async def test_a_crash_after_claiming_loses_nothing_and_sends_once(app, engine, worker, channel,
                                                                   clock, person_id) -> None:
    _push(app, person_id)
    with unit_of_work(engine) as session:
        assert len(outbox.claim_due(session, clock.utcnow())) == 1
    # the process died here: the row is claimed but was never sent
    assert _only_row(engine).status == OutboxStatus.SENDING
    assert await worker.run_once() == 0
    clock.advance(minutes=4)
    assert await worker.run_once() == 0
    clock.advance(minutes=1, seconds=1)
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0
    clock.advance(minutes=10)
    assert await worker.run_once() == 0
    assert len(channel.sent) == 1
    assert _only_row(engine).status == OutboxStatus.SENT


async def test_a_claimed_row_is_not_claimed_twice(app, engine, clock, person_id) -> None:
    _push(app, person_id)
    with unit_of_work(engine) as session:
        first = outbox.claim_due(session, clock.utcnow())
    with unit_of_work(engine) as session:
        second = outbox.claim_due(session, clock.utcnow())
    assert (len(first), len(second)) == (1, 0)


async def test_unreachable_person_is_retried_later_not_lost(app, engine, worker, channel, clock,
                                                            person_id) -> None:
    channel.unreachable.add(person_id)
    _push(app, person_id)
    start = clock.utcnow()
    assert await worker.run_once() == 0
    row = _only_row(engine)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.not_before == start + UNREACHABLE_RETRY
    assert pending_count(engine) == 1
    channel.unreachable.clear()  # they bound a chat account meanwhile
    assert await worker.run_once() == 0
    clock.advance(hours=1)
    assert await worker.run_once() == 1
    assert [address for address, _ in channel.sent] == [str(person_id)]


async def test_unreachable_for_a_week_fails(app, engine, worker, channel, clock,
                                            person_id) -> None:
    channel.unreachable.add(person_id)
    _push(app, person_id)
    await worker.run_once()
    clock.advance(days=8)
    await worker.run_once()
    row = _only_row(engine)
    assert row.status == OutboxStatus.FAILED
    assert channel.sent == []


async def test_first_reachable_channel_is_used(engine, clock, app, person_id) -> None:
    nowhere = RecordingChannel(name="nowhere", unreachable={person_id})
    somewhere = RecordingChannel(name="somewhere")
    _push(app, person_id)
    assert await DeliveryWorker(engine, [nowhere, somewhere], clock).run_once() == 1
    assert (len(nowhere.sent), len(somewhere.sent)) == (0, 1)
    assert _only_row(engine).channel == "somewhere"


@pytest.mark.usefixtures("demo")
async def test_a_handlers_push_is_sent_after_commit_in_the_recipients_language(
        app, engine, worker, channel) -> None:
    staff = the_staff(engine)
    with unit_of_work(engine) as session:
        session.get(Person, staff.id).locale = "en"

    async def notify(ctx) -> list[Reply]:
        target = ctx.session.get(Person, staff.id)
        ctx.push(target, f"notify:{ctx.person.id}", lambda t: Reply(t("common.cancelled")))
        return [Reply("ok")]

    app.router.command("notify", notify)
    dialog = await bound(app, staff, "3001")
    await dialog.send("/notify")
    await dialog.send("/notify")
    assert await worker.run_once() == 1
    assert [reply.text for _, reply in channel.sent] == [en(app)("common.cancelled")]
    assert zh(app)("common.cancelled") != en(app)("common.cancelled")


@pytest.mark.usefixtures("demo")
async def test_a_push_from_a_failed_handler_is_never_queued(app, engine, worker, channel) -> None:
    staff = the_staff(engine)

    async def notify_then_fail(ctx) -> list[Reply]:
        ctx.push(ctx.person, "doomed", lambda t: Reply("never"))
        raise RuntimeError("after the push")

    app.router.command("doomed", notify_then_fail)
    dialog = await bound(app, staff, "3001")
    await dialog.send("/doomed")
    assert dialog.text == zh(app)("common.error")
    assert _rows(engine) == []
    assert await worker.run_once() == 0


@pytest.mark.parametrize(("local", "expected"), [
    (_at_shanghai(23, 23), _at_shanghai(24, 7, 30)),       # late evening → next morning
    (_at_shanghai(23, 22), _at_shanghai(24, 7, 30)),       # the start is quiet
    (_at_shanghai(24, 0, 0), _at_shanghai(24, 7, 30)),     # midnight → the same morning
    (_at_shanghai(24, 3, 15), _at_shanghai(24, 7, 30)),    # small hours → the same morning
    (_at_shanghai(24, 7, 29, 59), _at_shanghai(24, 7, 30)),
    (_at_shanghai(24, 7, 30), _at_shanghai(24, 7, 30)),    # the end is not quiet
    (_at_shanghai(24, 12), _at_shanghai(24, 12)),          # daytime: at once
    (_at_shanghai(24, 21, 59, 59), _at_shanghai(24, 21, 59, 59)),
    (datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI), datetime(2027, 1, 1, 7, 30, tzinfo=SHANGHAI)),
])
def test_next_allowed_overnight_quiet_hours(local: datetime, expected: datetime) -> None:
    result = next_allowed(local.astimezone(UTC), time(22), time(7, 30), SHANGHAI)
    assert result == expected
    assert result.tzinfo == UTC


@pytest.mark.parametrize(("local", "expected"), [
    (_at_shanghai(24, 11, 59), _at_shanghai(24, 11, 59)),
    (_at_shanghai(24, 12), _at_shanghai(24, 14)),
    (_at_shanghai(24, 13, 30), _at_shanghai(24, 14)),
    (_at_shanghai(24, 14), _at_shanghai(24, 14)),
    (_at_shanghai(24, 23, 30), _at_shanghai(24, 23, 30)),
])
def test_next_allowed_daytime_quiet_hours(local: datetime, expected: datetime) -> None:
    assert next_allowed(local.astimezone(UTC), time(12), time(14), SHANGHAI) == expected


def test_next_allowed_uses_the_given_zone() -> None:
    utc_23 = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # 07:00 on the 24th in Shanghai
    assert next_allowed(utc_23, time(22), time(7, 30), SHANGHAI) == _at_shanghai(24, 7, 30)
    assert next_allowed(utc_23, time(22), time(7, 30), UTC) == datetime(2026, 11, 24, 7, 30,
                                                                         tzinfo=UTC)

"""Queuing pushes is insert-if-absent at the database, in bulk, and safe between processes."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import select

from storage import outbox
from storage.db import unit_of_work
from storage.models import OutboxMessage, Person


def _people(engine, now, n: int) -> list[int]:
    with unit_of_work(engine) as session:
        people = [Person(name=f"收件人{i}", phone=f"1391111{i:04d}", created_at=now)
                  for i in range(n)]
        session.add_all(people)
        session.flush()
        return [p.id for p in people]


def _push(key: str, person_id: int, now) -> outbox.NewPush:
    return outbox.NewPush(key, person_id, {"text": key}, now)


def _keys(engine) -> list[str]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(OutboxMessage.dedupe_key)
                                 .order_by(OutboxMessage.dedupe_key)).all())


def test_bulk_queue_skips_keys_already_there_and_repeats_in_the_batch(engine, clock):
    now = clock.utcnow()
    ids = _people(engine, now, 3)
    with unit_of_work(engine) as session:
        assert outbox.enqueue(session, "k:1", ids[0], {"text": "first"}, now)
    pushes = [_push(f"k:{i}", ids[i % 3], now) for i in range(1, 2500)]
    pushes.append(_push("k:7", ids[0], now))
    with unit_of_work(engine) as session:
        assert outbox.enqueue_many(session, pushes, now) == 2498
    assert len(_keys(engine)) == 2499
    with unit_of_work(engine) as session:
        first = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == "k:1")).one()
    assert first.payload == {"text": "first"}, "an existing row is never overwritten"


def test_two_transactions_queuing_the_same_keys_do_not_fail(engine, clock):
    """The second writer waits for the first and then skips its rows, on both databases."""
    now = clock.utcnow()
    ids = _people(engine, now, 2)
    pushes = [_push(f"sweep:{i}", ids[i % 2], now + timedelta(seconds=i)) for i in range(50)]
    outcome: dict[str, object] = {}

    def second_process() -> None:
        try:
            with unit_of_work(engine) as session:
                outcome["added"] = outbox.enqueue_many(session, pushes, now)
        except Exception as exc:  # the defect this test guards against
            outcome["error"] = exc

    with unit_of_work(engine) as first:
        assert outbox.enqueue_many(first, pushes, now) == 50
        other = threading.Thread(target=second_process)
        other.start()
        other.join(timeout=0.5)  # it is blocked on our uncommitted rows (or our write lock)
        assert other.is_alive()
    other.join(timeout=10)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["added"] == 0
    assert len(_keys(engine)) == 50


def test_a_claim_takes_no_more_rows_than_asked(engine, clock):
    now = clock.utcnow()
    ids = _people(engine, now, 5)
    with unit_of_work(engine) as session:
        outbox.enqueue_many(session, [_push(f"c:{i}", ids[i % 5], now) for i in range(50)], now)
    with unit_of_work(engine) as session:
        claimed = outbox.claim_due(session, now, 10, "host/1/a")
    with unit_of_work(engine) as session:
        sending = session.exec(select(OutboxMessage).where(
            OutboxMessage.status == "sending")).all()
    assert len(claimed) == len(sending) == 10
    assert {row.claim_token for row in sending} == {"host/1/a"}

"""Bench set-up shared by the push benches: delegates bound on one channel, a notice queued to
them and drained through the real delivery worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert

from bot.app import App
from bot.core.channel import Channel
from bot.core.context import new_push
from bot.core.types import Button, Reply, button_rows
from bot.delivery import DeliveryWorker, pending_count
from storage import outbox
from storage.db import make_engine, unit_of_work
from storage.migrate import upgrade
from storage.models import ChannelIdentity, Person


def add_bound_people(url: str, count: int, channel: str,
                     external_id: Callable[[int], str]) -> None:
    """Migrate `url` and add delegates 1..count, delegate n bound as `external_id(n - 1)`."""
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(insert(Person.__table__), [
            {"id": n + 1, "name": f"代表{n}", "phone": f"1{n:010d}", "active": True,
             "created_at": now} for n in range(count)])
        connection.execute(insert(ChannelIdentity.__table__), [
            {"channel": channel, "external_id": external_id(n), "person_id": n + 1,
             "bound_at": now} for n in range(count)])
    engine.dispose()


async def queue_and_drain(app: App, channel: Channel, pushes: int, members: int,
                          text: str) -> float:
    """Queue `pushes` notices with a 收到 button round the members; seconds to send them all."""
    reply = Reply(text, button_rows([Button("收到", "n:ack:1")]))
    with unit_of_work(app.engine) as session:
        outbox.enqueue_many(session, [
            new_push(app.services, n % members + 1, f"bench:{n}", reply, quiet=False)
            for n in range(pushes)], app.services.clock.utcnow())
    worker = DeliveryWorker(app.engine, [channel], app.services.clock)
    started = time.perf_counter()
    while pending_count(app.engine):
        await worker.run_once()
    return time.perf_counter() - started

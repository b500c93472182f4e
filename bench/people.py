"""A migrated bench database with `count` delegates, each bound on one channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert

from storage.db import make_engine
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

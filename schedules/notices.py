"""The automatic re-ping of notices: once per recipient who has not said 收到, some hours
(a setting, default 4) after the notice reached them, never in quiet hours.

Idempotent by its outbox keys (`notice:<id>:reping:0:<person id>`) and by each recipient's
`reminded_at`: a second sweep, or a second process, queues nothing more.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.context import Services
from bot.core.quiet import next_allowed
from handlers.notices import pushes
from storage import notices
from storage.db import unit_of_work
from storage.notice_models import Notice

log = logging.getLogger(__name__)
WINDOW = timedelta(days=7)  # notices older than this are not re-pinged any more
AUTOMATIC = 0  # the number of the automatic re-ping in its outbox keys (by hand: 1, 2, …)


def in_quiet_hours(services: Services, now: datetime) -> bool:
    """True between the end and the start of the day's sending hours."""
    settings = services.settings
    return next_allowed(now, settings.quiet_hours_start, settings.quiet_hours_end,
                        settings.tz) != now


def reping_one(session: Session, services: Services, notice_id: int, delivered_before: datetime,
               now: datetime) -> int:
    """Re-ping one notice's recipients who got it before `delivered_before`, have not said
    收到 and were never reminded; pushes queued.
    """
    notice = session.get(Notice, notice_id)
    if notice is None or notice.withdrawn_at is not None:  # withdrawn since the list was read
        return 0
    notices.sync_deliveries(session, [notice_id])
    where = notices.unacknowledged(notice_id, delivered_before, never_reminded=True)
    people = notices.recipients(session, notice_id, *where)
    if not people:
        return 0
    return pushes.queue_repings(session, services, notice, AUTOMATIC, where, now, people)


def run_notice_reping(engine: Engine, services: Services) -> int:
    """The scheduled job: every standing notice of the last week, one transaction each."""
    now = services.clock.utcnow()
    if in_quiet_hours(services, now):
        return 0
    with unit_of_work(engine, read_only=True) as session:
        ids = notices.standing_since(session, now - WINDOW)
    delivered_before = now - timedelta(hours=services.settings.notice_reping_after_hours)
    queued = 0
    for notice_id in ids:
        with unit_of_work(engine) as session:
            queued += reping_one(session, services, notice_id, delivered_before, now)
    if queued:
        log.info("notice re-ping sweep: %d push(es) queued", queued)
    return queued

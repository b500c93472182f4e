"""The daily briefing's sweep (every minute): on a working day from 16:30 (settings), send each
briefing due today once, however many processes sweep; late within the grace window, marked 迟发;
after it, recorded as skipped with one log line.

The `briefing` row for (kind, day) is inserted if absent in the same transaction as its pushes,
so the process whose insert wins sends, and a crash before the commit sends nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from bot.charts import ChartOrText, chart_or_text
from bot.core.context import Services, new_push
from handlers.briefing.pushes import replies
from handlers.briefing.state import CONTEST_DAYS, build, campaign_day
from schedules.workdays import WorkCalendar, default_calendar
from storage import briefings, outbox
from storage.briefing_models import BriefingKind, BriefingStatus
from storage.briefing_readers import readers
from storage.db import unit_of_work

log = logging.getLogger(__name__)
LATE_AFTER = timedelta(minutes=10)  # sent later than this after 16:30 is marked 迟发


def last_workday_of_week(calendar: WorkCalendar, day: date) -> bool:
    """True when no later day of this Monday-to-Sunday week is a working day."""
    return all(not calendar.is_workday(day + timedelta(days=n))
               for n in range(1, 7 - day.weekday()))


def contest_today(calendar: WorkCalendar, start: date | None, day: date) -> bool:
    """True on the first working day on or after each tenth campaign day (10, 20, …)."""
    number = campaign_day(start, day)
    if number is None or number < CONTEST_DAYS:
        return False
    boundary = start + timedelta(days=number // CONTEST_DAYS * CONTEST_DAYS - 1)
    first = boundary
    while not calendar.is_workday(first):
        first += timedelta(days=1)
    return first == day


def due_kinds(calendar: WorkCalendar, start: date | None, day: date) -> list[BriefingKind]:
    """The briefings of a working day: the contest first (its winner takes the red flag the
    daily one shows), then the weekly summary, then the daily one.
    """
    kinds = [BriefingKind.CONTEST] if contest_today(calendar, start, day) else []
    if last_workday_of_week(calendar, day):
        kinds.append(BriefingKind.WEEKLY)
    return [*kinds, BriefingKind.DAILY]


def skip(engine: Engine, kind: BriefingKind, day: date, due: datetime, now: datetime) -> str:
    """Record the briefing as skipped; the process that records it logs the one line."""
    with unit_of_work(engine) as session:
        if briefings.claim(session, kind, day, BriefingStatus.SKIPPED, {}, now) is None:
            return "done"
    log.warning("%s briefing of %s skipped: the bot was not running between %s and the end of "
                "its grace window", kind.value, day.isoformat(), due.strftime("%H:%M"))
    return "skipped"


def send(engine: Engine, services: Services, kind: BriefingKind, late: bool,
         drawer: ChartOrText) -> str:
    """Build, claim and queue one briefing; "done" when another run claimed it first."""
    now = services.clock.utcnow()
    with unit_of_work(engine, read_only=True) as session:
        state = build(session, services.settings, now, kind).with_late(late)
        if briefings.recorded(session, kind, state.day):
            return "done"
        people = readers(session)
    messages = replies(services, state, people, drawer)
    status = BriefingStatus.LATE if late else BriefingStatus.SENT
    with unit_of_work(engine) as session:
        briefing_id = briefings.claim(session, kind, state.day, status, state.snapshot(), now)
        if briefing_id is None:
            return "done"
        queued = outbox.enqueue_many(session, [
            new_push(services, person_id, f"briefing:{briefing_id}:{person_id}", reply)
            for person_id, reply in messages], now)
    log.info("%s briefing of %s queued for %d people%s", kind.value, state.day.isoformat(),
             queued, " (late)" if late else "")
    return status.value


def run_briefing(engine: Engine, services: Services, calendar: WorkCalendar | None = None,
                 drawer: ChartOrText | None = None) -> dict[str, str]:
    """The scheduled job: what became of each briefing due now (sent, late, skipped, done)."""
    calendar = calendar or default_calendar()
    settings = services.settings
    now = services.clock.utcnow()
    local = now.astimezone(settings.tz)
    today = local.date()
    started = settings.campaign_start is None or today >= settings.campaign_start
    due = datetime.combine(today, settings.briefing_time, tzinfo=settings.tz)
    if not started or local < due or not calendar.is_workday(today):
        return {}
    outcomes = {}
    for kind in due_kinds(calendar, settings.campaign_start, today):
        with unit_of_work(engine, read_only=True) as session:
            if briefings.recorded(session, kind, today):
                continue
        if local >= due + timedelta(hours=settings.briefing_grace_hours):
            outcomes[kind.value] = skip(engine, kind, today, due, now)
        else:
            outcomes[kind.value] = send(engine, services, kind, local >= due + LATE_AFTER,
                                        drawer or chart_or_text())
    return outcomes


CHARTS_KEPT = timedelta(days=7)  # longer than any push waits in the outbox


def remove_old_charts(folder: Path, now: datetime) -> int:
    """Delete drawn charts older than a week (their briefings went out long ago); how many."""
    cutoff, removed = (now - CHARTS_KEPT).timestamp(), 0
    for path in folder.glob("*.png") if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed

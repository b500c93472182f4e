"""APScheduler wiring: every recurring job of the bot, registered explicitly."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import App
from schedules.activities import run_event_reminders
from schedules.briefing import remove_old_charts, run_briefing
from schedules.cleanup import sweep_files
from schedules.drafts import run_draft_sweep
from schedules.escalation import run_escalation
from schedules.jobs import purge_attempts, purge_processed_updates
from schedules.notices import run_notice_reping
from schedules.surveys import run_survey_sweep
from schedules.workdays import REFRESH_MINUTES, refresh_default_calendar

MISFIRE_GRACE_SECONDS = 3600
SWEEP_MINUTES = 30
NOTICE_SWEEP_MINUTES = 10
SURVEY_SWEEP_MINUTES = 5
EVENT_SWEEP_MINUTES = 5
log = logging.getLogger(__name__)


def guarded(name: str, job: Callable[[], object],
            lock: threading.Lock | None = None) -> Callable[[], None]:
    """Run `job` (one at a time under `lock`), logging any exception instead of raising it."""
    lock = lock or threading.Lock()

    def run() -> None:
        with lock:
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed; the next run will try again", name)

    return run


def build_scheduler(app: App) -> AsyncIOScheduler:
    """A scheduler in the deployment's time zone with every job registered (not started)."""
    scheduler = AsyncIOScheduler(timezone=app.settings.tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    clock = app.services.clock
    scheduler.add_job(guarded("purge_processed_updates",
                              lambda: purge_processed_updates(app.engine, clock.utcnow())),
                      CronTrigger(hour=3, minute=17), id="purge_processed_updates")
    scheduler.add_job(guarded("purge_attempts", lambda: purge_attempts(app.engine, clock.utcnow())),
                      CronTrigger(hour=3, minute=23), id="purge_attempts")
    exports = app.settings.data_dir / "exports"
    scheduler.add_job(guarded("file_sweep", lambda: sweep_files(
        app.engine, app.services.media, exports, clock.utcnow())),
        CronTrigger(hour=3, minute=41), id="file_sweep")
    escalation = guarded("escalation", lambda: run_escalation(app.engine, app.services))
    first = clock.now()  # sweep once at start, then every half hour
    scheduler.add_job(escalation, IntervalTrigger(minutes=SWEEP_MINUTES), id="escalation_sweep",
                      next_run_time=first)
    scheduler.add_job(escalation, CronTrigger(hour=8, minute=0), id="escalation_morning")
    scheduler.add_job(guarded("drafts", lambda: run_draft_sweep(app.engine, app.services)),
                      IntervalTrigger(minutes=SWEEP_MINUTES), id="draft_sweep",
                      next_run_time=first)
    reping = guarded("notice_reping", lambda: run_notice_reping(app.engine, app.services))
    scheduler.add_job(reping, IntervalTrigger(minutes=NOTICE_SWEEP_MINUTES), id="notice_reping")
    briefing = guarded("briefing", lambda: run_briefing(app.engine, app.services))
    scheduler.add_job(briefing, IntervalTrigger(minutes=1), id="briefing_sweep",
                      next_run_time=first)  # sends from 16:30 on working days, once
    charts = app.settings.data_dir / "briefings"
    scheduler.add_job(guarded("briefing_charts", lambda: remove_old_charts(charts, clock.utcnow())),
                      CronTrigger(hour=3, minute=47), id="briefing_charts")
    scheduler.add_job(guarded("event_reminders", lambda: run_event_reminders(
        app.engine, app.services)), IntervalTrigger(minutes=EVENT_SWEEP_MINUTES),
        id="event_reminders", next_run_time=first)
    scheduler.add_job(guarded("calendar_refresh", lambda: refresh_default_calendar(app.engine)),
                      IntervalTrigger(minutes=REFRESH_MINUTES), id="calendar_refresh")
    scheduler.add_job(guarded("surveys", lambda: run_survey_sweep(app.engine, app.services)),
                      IntervalTrigger(minutes=SURVEY_SWEEP_MINUTES), id="survey_sweep",
                      next_run_time=first)
    return scheduler

"""APScheduler wiring: every recurring job of the bot, registered explicitly."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.app import App
from schedules.jobs import purge_processed_updates

MISFIRE_GRACE_SECONDS = 3600


def build_scheduler(app: App) -> AsyncIOScheduler:
    """A scheduler in the deployment's time zone with every job registered (not started)."""
    scheduler = AsyncIOScheduler(timezone=app.settings.tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS})
    clock = app.services.clock
    scheduler.add_job(lambda: purge_processed_updates(app.engine, clock.utcnow()),
                      CronTrigger(hour=3, minute=17), id="purge_processed_updates")
    return scheduler

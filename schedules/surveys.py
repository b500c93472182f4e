"""The survey sweep: open drafts whose time has come, send the configured reminders to those who
have not voted, close surveys at their close time and report the results.

Idempotent: opening and closing are conditional updates (a second sweep, or a second process,
does nothing), and a configured reminder's outbox keys (`survey:<id>:remind:at<n>:<person>`)
are inserted only if absent. Reminders are held through quiet hours like every non-urgent push.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.context import Services
from handlers.surveys import office, pushes, render
from storage import surveys
from storage.db import unit_of_work
from storage.survey_models import Survey, SurveyState

log = logging.getLogger(__name__)
REMINDER_GRACE = timedelta(hours=2)  # a configured reminder missed by longer is skipped


def _due_reminders(survey: Survey, now: datetime) -> list[int]:
    """Numbers (1-based) of configured reminder times passed within the grace period."""
    due = []
    for number, moment in enumerate(survey.reminders or [], start=1):
        at = datetime.fromisoformat(moment)
        if now - REMINDER_GRACE < at <= now:
            due.append(number)
    return due


def remind_configured(session: Session, services: Services, survey: Survey,
                      number: int) -> int:
    """Configured reminder `number` to non-voters (a key already queued is skipped)."""
    tz, prefix = services.settings.tz, surveys.key_prefix(survey.id)
    return pushes.fan_out(session, services, surveys.non_voters(session, survey.id),
                          lambda pid: f"{prefix}remind:at{number}:{pid}",
                          lambda t, pid: render.reminder_push(t, survey, tz, pid))


def run_survey_sweep(engine: Engine, services: Services) -> dict[str, int]:
    """The scheduled job: one transaction per survey and move; what it did."""
    now = services.clock.utcnow()
    done = {"opened": 0, "reminded": 0, "closed": 0}
    with unit_of_work(engine, read_only=True) as session:
        to_open = surveys.due_to_open(session, now)
        to_close = surveys.due_to_close(session, now)
        open_ids = list(session.exec(select(Survey.id).where(
            Survey.state == SurveyState.OPEN.value)).all())
    for survey_id in to_open:
        with unit_of_work(engine) as session:
            done["opened"] += office.open_now(session, services, survey_id) is not None
    for survey_id in open_ids:
        with unit_of_work(engine) as session:
            survey = session.get(Survey, survey_id)
            if survey is None or survey.state != SurveyState.OPEN.value:
                continue
            for number in _due_reminders(survey, now):
                done["reminded"] += remind_configured(session, services, survey, number)
    for survey_id in to_close:
        with unit_of_work(engine) as session:
            done["closed"] += office.close_and_report(session, services, survey_id, now)
    if any(done.values()):
        log.info("survey sweep: %s", done)
    return done

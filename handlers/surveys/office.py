"""What the office does with a survey, whoever asks (chat, command line, sweep): open, remind,
close and report, publish (once), extend. Each move is conditional at the database, so it
happens once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.core.context import Services, queue_push
from bot.core.types import Button, Reply, button_rows
from handlers.surveys import pushes
from handlers.surveys.results import flagged_text, results_reply
from storage import people, survey_results, surveys
from storage.models import Person, Role
from storage.survey_models import Survey

EXTEND_DAYS = (3, 7)


def open_now(session: Session, services: Services, survey_id: int) -> int | None:
    """Open a draft and send it to every eligible voter; how many, or None if not a draft."""
    eligible = surveys.open_survey(session, survey_id)
    if eligible is None:
        return None
    pushes.queue_opening(session, services, session.get(Survey, survey_id))
    return eligible


def remind(session: Session, services: Services, survey: Survey, number: int) -> int | None:
    """Reminder round `number` to non-voters, once; how many were queued (None: taken)."""
    if not surveys.claim_reminder(session, survey.id, number):
        return None
    return pushes.queue_reminders(session, services, survey, number)


def _readers(session: Session) -> list[Person]:
    found = {p.id: p for role in (Role.STAFF, Role.LEADERSHIP)
             for p in people.with_role(session, role)}
    return [found[pid] for pid in sorted(found)]


def _staff(session: Session) -> list[Person]:
    return sorted(people.with_role(session, Role.STAFF), key=lambda p: p.id)


def _send(session: Session, services: Services, to: list[Person], key: str, draw) -> int:
    sent = 0
    for person in to:
        t = services.catalogs.translator(person.locale)
        sent += queue_push(session, services, person.id, f"{key}:{person.id}", draw(t))
    return sent


def extend_buttons(t, survey_id: int) -> tuple:
    """延长 3 天 / 7 天."""
    return button_rows([Button(t("surveys.button.extend", days=days),
                               f"sv:ext:{survey_id}:{days}") for days in EXTEND_DAYS])


def short_buttons(t, survey_id: int) -> tuple:
    """延长 3 天 / 7 天, then 按现状公布结果: for a survey short of its threshold."""
    return (*extend_buttons(t, survey_id),
            (Button(t("surveys.button.publish"), f"sv:pub:{survey_id}"),))


def close_and_report(session: Session, services: Services, survey_id: int,
                     now: datetime) -> bool:
    """Close once. With the threshold met the results are published (once, to staff and
    leadership); short of it nothing is published and staff choose: extend, or publish as is.
    """
    if not surveys.close(session, survey_id, now):
        return False
    survey = session.get(Survey, survey_id)
    session.refresh(survey)
    results = survey_results.compute(session, survey)
    if results.threshold_met:
        _publish(session, services, survey, results, now)
        return True
    stamp = now.strftime("%Y%m%d%H%M")
    _send(session, services, _staff(session), f"{surveys.key_prefix(survey_id)}short:{stamp}",
          lambda t: Reply(t("surveys.push.short", title=survey.title, number=survey.id,
                            rate=f"{results.overall.rate * 100:.1f}%",
                            minimum=survey.min_participation),
                          short_buttons(t, survey.id)))
    return True


def publish_as_is(session: Session, services: Services, survey_id: int,
                  now: datetime) -> bool:
    """Publish a closed survey's results though short of its threshold; once (False after)."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return False
    session.refresh(survey)
    return _publish(session, services, survey, survey_results.compute(session, survey), now)


def _publish(session: Session, services: Services, survey: Survey,
             results: survey_results.Results, now: datetime) -> bool:
    """Set `results_at` (conditional: only the first caller) and push the results, once."""
    if not surveys.publish(session, survey.id, now):
        return False
    prefix = surveys.key_prefix(survey.id)
    folder = services.settings.data_dir / "surveys"
    _send(session, services, _readers(session), f"{prefix}results",
          lambda t: results_reply(t, results, folder))
    if results.flagged:
        _send(session, services, _staff(session), f"{prefix}flagged",
              lambda t: Reply(flagged_text(t, survey, results.flagged)))
    return True


def extend(session: Session, services: Services, survey_id: int, closes_at: datetime,
           now: datetime) -> bool:
    """Move the close later (reopening it) and tell those who have not voted; refused once the
    results are published.
    """
    if not surveys.extend(session, survey_id, closes_at, now):
        return False
    survey = session.get(Survey, survey_id)
    session.refresh(survey)
    pushes.queue_extension(session, services, survey)
    return True


def published(session: Session, survey_id: int) -> bool:
    """Whether the survey's results are out (read fresh from the database)."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return False
    session.refresh(survey)
    return survey.results_at is not None


def extended_close(survey: Survey, now: datetime, days: int) -> datetime:
    """`days` after the later of now and the current close."""
    return max(now, survey.closes_at) + timedelta(days=days)

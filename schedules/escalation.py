"""Deadline sweeps over cases: reminders, overdue notices, 重点督办 and the verify fallback.

Each rung asks the database for the cases that are due and not yet marked, then works chunk by
chunk: recipients are read and messages rendered in a read-only transaction, and only the
writing (pushes, marks, audit lines) happens in a short write transaction. So the steady sweep
finds nothing to do at once, and the bot's own events never wait long for SQLite's write lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.context import Services
from bot.core.types import Reply
from handlers.cases.notify import case_buttons
from schedules.digest import queue_supervision_digest
from schedules.sweep_context import EscalationLadder, Sweep
from schedules.workdays import WorkCalendar, default_calendar
from storage import audit, escalation_marks, outbox
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.db import unit_of_work
from storage.models import Person

__all__ = ["EscalationLadder", "run_escalation"]
log = logging.getLogger(__name__)
ACTIVE = [CaseStatus.ASSIGNED.value, CaseStatus.ACKNOWLEDGED.value, CaseStatus.IN_PROGRESS.value]
CHUNK = 500  # cases planned (and written) at a time


@dataclass
class Notice:
    """One push planned for one person about one case."""

    key: str
    person: Person
    text_key: str
    case: Case
    actions: tuple[str, ...]
    values: dict


@dataclass
class Work:
    """What one chunk of one rung writes: pushes, and the cases its rung is now done for."""

    pushes: list[outbox.NewPush] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


Planner = Callable[[Sweep, Session, list[Case]], list[Notice]]
Marked = Callable[[Sweep, Session, list[Case]], None]


@dataclass(frozen=True)
class Rung:
    """A rung of the ladder: the cases it is due for, who it tells, what else it records."""

    name: str
    basis: str  # the Case column whose value the rung is about (a new value means a new rung)
    due: Callable[[Sweep], tuple]
    plan: Planner
    on_marked: Marked | None = None


def fan_out(prefix: str, recipients: Sequence[Person], text_key: str, case: Case,
            actions: tuple[str, ...], values: dict) -> list[Notice]:
    """One notice per distinct recipient, keyed `<prefix>:<person id>`."""
    unique = {p.id: p for p in recipients}
    return [Notice(f"{prefix}:{pid}", p, text_key, case, actions, values)
            for pid, p in unique.items()]


def plan_ack_reminders(sweep: Sweep, session: Session, chunk: list[Case]) -> list[Notice]:
    """Liaisons who have not acknowledged an assignment: a reminder with an Acknowledge button."""
    notices = []
    for case in chunk:
        assigned = sweep.local_date(case.assigned_at)
        values = {**sweep.facts(case), "days": sweep.workdays(assigned, sweep.today)}
        notices += fan_out(f"case:{case.id}:ack-reminder:{assigned.isoformat()}",
                           sweep.liaisons(session, case.department_id),
                           "escalation.ack_reminder", case, ("ack", "view"), values)
    return notices


def plan_deadline_warnings(sweep: Sweep, session: Session, chunk: list[Case]) -> list[Notice]:
    """Liaisons of cases whose deadline is a few working days away."""
    notices = []
    for case in chunk:
        due = sweep.local_date(case.deadline)
        values = {**sweep.facts(case), "days": sweep.workdays(sweep.today, due)}
        notices += fan_out(f"case:{case.id}:deadline-warning:{due.isoformat()}",
                           sweep.liaisons(session, case.department_id),
                           "escalation.deadline_warning", case, ("view",), values)
    return notices


def plan_overdue(sweep: Sweep, session: Session, chunk: list[Case]) -> list[Notice]:
    """The department's liaisons and the group's squad leaders; the office reads the digest."""
    notices = []
    for case in chunk:
        due = sweep.local_date(case.deadline).isoformat()
        recipients = [*sweep.liaisons(session, case.department_id),
                      *sweep.leaders(session, case.group_id)]
        notices += fan_out(f"case:{case.id}:overdue:{due}", recipients, "escalation.overdue",
                           case, ("view",), sweep.overdue_values(case))
    return notices


def audit_overdue(sweep: Sweep, session: Session, cases: list[Case]) -> None:
    """One timeline line per case and deadline."""
    audit.record_many(session, sweep.now, "case.overdue", "case", [
        (case.id, case.status, sweep.local_date(case.deadline).isoformat()) for case in cases])
    sweep.count("marked_overdue", len(cases))


def mark_key_supervision(sweep: Sweep, session: Session, cases: list[Case]) -> None:
    """Flag long-overdue cases 重点督办 (not a move: the case's version stays) and log it."""
    session.execute(update(Case).where(Case.id.in_([c.id for c in cases])).values(
        key_supervision=True, updated_at=sweep.now).execution_options(synchronize_session=False))
    audit.record_many(session, sweep.now, "case.key_supervision", "case", [
        (case.id, case.status, sweep.local_date(case.deadline).isoformat()) for case in cases])
    sweep.count("marked_key_supervision", len(cases))


def plan_verify_fallback(sweep: Sweep, session: Session, chunk: list[Case]) -> list[Notice]:
    """Ask the other delegates of the group to verify a fix the reporters left unanswered."""
    reporter_ids = set(session.exec(select(CaseReporter.case_id, CaseReporter.person_id)
                                    .where(CaseReporter.case_id.in_([c.id for c in chunk]))).all())
    notices = []
    for case in chunk:
        rectified = sweep.local_date(case.rectified_at)
        others = [p for p in sweep.members(session, case.group_id)
                  if (case.id, p.id) not in reporter_ids]
        values = {**sweep.facts(case), "rectified": rectified.isoformat(),
                  "days": sweep.workdays(rectified, sweep.today)}
        notices += fan_out(f"case:{case.id}:verify-fallback:{rectified.isoformat()}", others,
                           "escalation.verify_fallback", case, ("vs", "vb", "vd"), values)
    return notices


def _no_notices(_sweep: Sweep, _session: Session, _chunk: list[Case]) -> list[Notice]:
    return []


def ladder_rungs(sweep: Sweep) -> tuple[Rung, ...]:
    """The rungs in the order a sweep climbs them."""
    ladder = sweep.ladder
    warn_until = sweep.start_of(sweep.calendar.add_workdays(
        sweep.today, ladder.deadline_warning_before + 1))
    return (
        Rung("ack_reminder", "assigned_at", lambda s: (
            Case.status == CaseStatus.ASSIGNED.value,
            Case.assigned_at < s.working_days_ago(ladder.ack_reminder_after)),
            plan_ack_reminders),
        Rung("deadline_warning", "deadline", lambda s: (
            Case.status.in_(ACTIVE), Case.deadline >= s.now, Case.deadline < warn_until),
            plan_deadline_warnings),
        Rung("overdue", "deadline", lambda s: (Case.status.in_(ACTIVE), Case.deadline < s.now),
             plan_overdue, audit_overdue),
        Rung("leadership", "deadline", lambda s: (
            Case.status.in_(ACTIVE), Case.deadline < s.now,
            Case.deadline < s.working_days_ago(ladder.leadership_after_overdue)),
            _no_notices, mark_key_supervision),
        Rung("verify_fallback", "rectified_at", lambda s: (
            Case.status == CaseStatus.RECTIFIED.value,
            Case.rectified_at < s.working_days_ago(ladder.verify_fallback_after)),
            plan_verify_fallback),
    )


def render(sweep: Sweep, notices: list[Notice]) -> list[outbox.NewPush]:
    """Each notice in its recipient's language, as an outbox row held through quiet hours.

    A case's notice reads the same for everyone who shares a language, so it is rendered once
    per case and language, however many people it goes to.
    """
    rendered: dict[tuple, dict] = {}
    pushes = []
    for notice in notices:
        which = (notice.case.id, notice.text_key, notice.person.locale)
        if which not in rendered:
            t = sweep.services.catalogs.translator(notice.person.locale)
            rendered[which] = Reply(t(notice.text_key, **notice.values), buttons=case_buttons(
                t, notice.case, *notice.actions)).to_dict()
        pushes.append(outbox.NewPush(notice.key, notice.person.id, rendered[which], sweep.due))
    return pushes


def climb(sweep: Sweep, rung: Rung) -> None:
    """Every due, unmarked case of one rung, chunk by chunk."""
    basis = getattr(Case, rung.basis)
    with unit_of_work(sweep.engine, read_only=True) as session:
        ids = list(session.exec(select(Case.id).where(
            *rung.due(sweep), escalation_marks.not_marked(rung.name, basis))
            .order_by(Case.id)).all())
    for start in range(0, len(ids), CHUNK):
        with unit_of_work(sweep.engine, read_only=True) as session:
            cases = list(session.exec(select(Case).where(
                Case.id.in_(ids[start:start + CHUNK])).order_by(Case.id)).all())
            work = Work(render(sweep, rung.plan(sweep, session, cases)), cases)
        write(sweep, rung, work)


def write(sweep: Sweep, rung: Rung, work: Work) -> None:
    """Mark the chunk's cases (insert-if-absent) and queue the pushes, in one transaction.

    Only the cases this sweep marked first get their audit lines, so two sweeps running at once
    do everything once.
    """
    with unit_of_work(sweep.engine) as session:
        pairs = [(case.id, getattr(case, rung.basis)) for case in work.cases]
        fresh = escalation_marks.mark(session, rung.name, pairs, sweep.now)
        sweep.count(rung.name, outbox.enqueue_many(session, work.pushes, sweep.now))
        if rung.on_marked is not None and fresh:
            rung.on_marked(sweep, session, [case for case in work.cases if case.id in fresh])


def run_escalation(engine: Engine, services: Services, calendar: WorkCalendar | None = None,
                   ladder: EscalationLadder | None = None) -> dict[str, int]:
    """The scheduled job: climb every rung, then the office's daily digest; counts of pushes
    queued per rung and of cases marked.
    """
    sweep = Sweep(engine, services, calendar or default_calendar(),
                  ladder or EscalationLadder.from_settings(services.settings))
    for rung in ladder_rungs(sweep):
        sweep.count(rung.name, 0)
        climb(sweep, rung)
    sweep.count("digest", queue_supervision_digest(sweep))
    if any(sweep.counts.values()):
        log.info("escalation sweep: %s",
                 ", ".join(f"{k}={v}" for k, v in sweep.counts.items() if v))
    return sweep.counts



"""Deadline sweeps over cases: reminders, overdue notices, 重点督办 and the verify fallback."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from bot.core.context import Services, new_push
from bot.core.types import Reply
from handlers.cases.notify import case_buttons
from handlers.cases.render import short
from schedules.workdays import WorkCalendar, default_calendar
from storage import audit, outbox, people
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.db import unit_of_work
from storage.models import AuditEntry, Department, Liaison, Membership, OutboxMessage, Person, Role

log = logging.getLogger(__name__)
ACTIVE = [CaseStatus.ASSIGNED.value, CaseStatus.ACKNOWLEDGED.value, CaseStatus.IN_PROGRESS.value]
RUNGS = ("ack_reminder", "deadline_warning", "overdue", "leadership", "verify_fallback")
MARKS = ("marked_overdue", "marked_key_supervision")
CHUNK = 200  # cases loaded at a time
KEY_BATCH = 500  # dedupe keys looked up per query
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class EscalationLadder:
    """Working days each rung waits; settings named `escalation_<field>` override the defaults."""

    ack_reminder_after: int = 2
    deadline_warning_before: int = 3
    leadership_after_overdue: int = 5
    verify_fallback_after: int = 3

    @classmethod
    def from_settings(cls, settings: object) -> EscalationLadder:
        """The ladder from settings, keeping the default of any rung they do not name."""
        defaults = cls()
        return cls(**{f.name: getattr(settings, f"escalation_{f.name}", getattr(defaults, f.name))
                      for f in fields(cls)})


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
class Sweep:
    """One run over the cases: its moment, calendar, ladder, counts and cached recipients."""

    session: Session
    services: Services
    calendar: WorkCalendar
    ladder: EscalationLadder
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RUNGS + MARKS, 0))
    cache: dict[tuple, list[Person]] = field(default_factory=dict)
    commit_chunks: bool = False  # commit after each chunk: short write locks, kept progress

    def __post_init__(self) -> None:
        self.now = self.services.clock.utcnow()
        self.tz = self.services.settings.tz
        self.today = self.local_date(self.now)
        self.workdays = functools.cache(self.calendar.workdays_between)  # many cases share dates
        self.departments = dict(self.session.exec(select(Department.id, Department.name)).all())

    def local_date(self, moment: datetime) -> date:
        """The deployment's calendar date of a stored moment."""
        return moment.astimezone(self.tz).date()

    def start_of(self, day: date) -> datetime:
        """The UTC moment the local `day` begins."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    def working_days_ago(self, n: int) -> datetime:
        """Moments before this fall on local days at least `n` working days before today."""
        day, count = self.today, 0
        while count < n:  # invariant: count == working days in (day, today]
            count += self.calendar.is_workday(day)
            day -= ONE_DAY
        return self.start_of(day + ONE_DAY)

    def people(self, key: tuple, load: Callable[[], list[Person]]) -> list[Person]:
        """Active recipients loaded once per sweep under `key`."""
        if key not in self.cache:
            self.cache[key] = [p for p in load() if p.active]
        return self.cache[key]


def liaisons(sweep: Sweep, department_id: int | None) -> list[Person]:
    """The department's liaisons."""
    return sweep.people(("liaisons", department_id), lambda: list(sweep.session.exec(
        select(Person).join(Liaison, Liaison.person_id == Person.id)
        .where(Liaison.department_id == department_id).order_by(Person.id)).all()))


def leaders(sweep: Sweep, group_id: int) -> list[Person]:
    """The squad leaders of a group."""
    return sweep.people(("leaders", group_id), lambda: people.leaders_of(sweep.session, group_id))


def members(sweep: Sweep, group_id: int) -> list[Person]:
    """Everyone in a group."""
    return sweep.people(("members", group_id), lambda: list(sweep.session.exec(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.group_id == group_id).order_by(Person.id)).all()))


def holders(sweep: Sweep, role: Role) -> list[Person]:
    """Everyone granted an explicit role."""
    return sweep.people(("role", role.value), lambda: people.with_role(sweep.session, role))


def facts(sweep: Sweep, case: Case) -> dict:
    """What every notice says about a case: number, short text, department, deadline."""
    deadline = sweep.local_date(case.deadline).isoformat() if case.deadline else "—"
    return {"number": case.number, "text": short(case.description),
            "department": sweep.departments.get(case.department_id, "—"), "deadline": deadline}


def fan_out(prefix: str, recipients: Sequence[Person], text_key: str, case: Case,
            actions: tuple[str, ...], values: dict) -> list[Notice]:
    """One notice per distinct recipient, keyed `<prefix>:<person id>`."""
    unique = {p.id: p for p in recipients}
    return [Notice(f"{prefix}:{pid}", p, text_key, case, actions, values)
            for pid, p in unique.items()]


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """The dedupe keys among `keys` already in the outbox."""
    found: set[str] = set()
    for start in range(0, len(keys), KEY_BATCH):
        found.update(session.exec(select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.in_(keys[start:start + KEY_BATCH]))).all())
    return found


def queue(sweep: Sweep, rung: str, notices: list[Notice]) -> None:
    """Queue the notices not yet in the outbox, each in its recipient's language, in bulk.

    Keys already there are skipped before rendering (the steady state); the insert itself is
    insert-if-absent, so a second process sweeping at the same moment is harmless.
    """
    done = existing_keys(sweep.session, [n.key for n in notices])
    pushes = []
    for notice in notices:
        if notice.key in done:
            continue
        done.add(notice.key)
        t = sweep.services.catalogs.translator(notice.person.locale)
        reply = Reply(t(notice.text_key, **notice.values),
                      buttons=case_buttons(t, notice.case, *notice.actions))
        pushes.append(new_push(sweep.services, notice.person.id, notice.key, reply))
    sweep.counts[rung] += outbox.enqueue_many(sweep.session, pushes, sweep.now)


def run_rung(sweep: Sweep, rung: str, conditions: tuple,
             plan: Callable[[Sweep, list[Case]], list[Notice]]) -> None:
    """Select the ids of due cases in SQL, then plan and queue notices chunk by chunk."""
    ids = list(sweep.session.exec(select(Case.id).where(*conditions).order_by(Case.id)).all())
    for start in range(0, len(ids), CHUNK):
        chunk = list(sweep.session.exec(select(Case).where(
            Case.id.in_(ids[start:start + CHUNK])).order_by(Case.id)).all())
        queue(sweep, rung, plan(sweep, chunk))
        if sweep.commit_chunks:  # every chunk is idempotent, so a partial run is safe
            sweep.session.commit()


def plan_ack_reminders(sweep: Sweep, chunk: list[Case]) -> list[Notice]:
    """Liaisons who have not acknowledged an assignment: a reminder with an Acknowledge button."""
    notices = []
    for case in chunk:
        assigned = sweep.local_date(case.assigned_at)
        values = {**facts(sweep, case), "days": sweep.workdays(assigned, sweep.today)}
        notices += fan_out(f"case:{case.id}:ack-reminder:{assigned.isoformat()}",
                           liaisons(sweep, case.department_id), "escalation.ack_reminder", case,
                           ("ack", "view"), values)
    return notices


def plan_deadline_warnings(sweep: Sweep, chunk: list[Case]) -> list[Notice]:
    """Liaisons of cases whose deadline is a few working days away."""
    notices = []
    for case in chunk:
        due = sweep.local_date(case.deadline)
        values = {**facts(sweep, case), "days": sweep.workdays(sweep.today, due)}
        notices += fan_out(f"case:{case.id}:deadline-warning:{due.isoformat()}",
                           liaisons(sweep, case.department_id), "escalation.deadline_warning",
                           case, ("view",), values)
    return notices


def overdue_values(sweep: Sweep, case: Case) -> dict:
    """Facts plus calendar and working days past the deadline."""
    due = sweep.local_date(case.deadline)
    return {**facts(sweep, case), "days": (sweep.today - due).days,
            "workdays": sweep.workdays(due, sweep.today)}


def audited(sweep: Sweep, action: str, chunk: list[Case]) -> set[tuple[int, str]]:
    """(case id, note) of the audit entries of `action` on these cases."""
    return set(sweep.session.exec(select(AuditEntry.subject_id, AuditEntry.note).where(
        AuditEntry.action == action, AuditEntry.subject_type == "case",
        AuditEntry.subject_id.in_([c.id for c in chunk]))).all())


def plan_overdue(sweep: Sweep, chunk: list[Case]) -> list[Notice]:
    """Mark each case overdue once per deadline; tell liaisons, squad leaders and staff."""
    marked, notices = audited(sweep, "case.overdue", chunk), []
    for case in chunk:
        due = sweep.local_date(case.deadline).isoformat()
        if (case.id, due) not in marked:
            audit.record(sweep.session, sweep.now, None, "case.overdue", subject_type="case",
                         subject_id=case.id, from_state=case.status, to_state=case.status,
                         note=due)
            sweep.counts["marked_overdue"] += 1
        recipients = [*liaisons(sweep, case.department_id), *leaders(sweep, case.group_id),
                      *holders(sweep, Role.STAFF)]
        notices += fan_out(f"case:{case.id}:overdue:{due}", recipients, "escalation.overdue",
                           case, ("view",), overdue_values(sweep, case))
    return notices


def mark_key_supervision(sweep: Sweep, chunk: list[Case]) -> None:
    """Flag the cases 重点督办 in one statement, without touching their version (not a move)."""
    if not chunk:
        return
    sweep.session.execute(update(Case).where(
        Case.id.in_([case.id for case in chunk]), Case.key_supervision.is_(False),
    ).values(key_supervision=True, updated_at=sweep.now).execution_options(
        synchronize_session=False))
    for case in chunk:
        set_committed_value(case, "key_supervision", True)
        audit.record(sweep.session, sweep.now, None, "case.key_supervision",
                     subject_type="case", subject_id=case.id, from_state=case.status,
                     to_state=case.status, note=sweep.local_date(case.deadline).isoformat())
    sweep.counts["marked_key_supervision"] += len(chunk)


def plan_leadership(sweep: Sweep, chunk: list[Case]) -> list[Notice]:
    """Put long-overdue cases under key supervision (重点督办) and tell leadership."""
    mark_key_supervision(sweep, [case for case in chunk if not case.key_supervision])
    notices = []
    for case in chunk:
        due = sweep.local_date(case.deadline).isoformat()
        notices += fan_out(f"case:{case.id}:leadership:{due}", holders(sweep, Role.LEADERSHIP),
                           "escalation.leadership", case, ("view",), overdue_values(sweep, case))
    return notices


def plan_verify_fallback(sweep: Sweep, chunk: list[Case]) -> list[Notice]:
    """Ask the other delegates of the group to verify a fix the reporters left unanswered."""
    reporter_ids = set(sweep.session.exec(select(CaseReporter.case_id, CaseReporter.person_id)
                                          .where(CaseReporter.case_id.in_([c.id for c in chunk])))
                       .all())
    notices = []
    for case in chunk:
        rectified = sweep.local_date(case.rectified_at)
        others = [p for p in members(sweep, case.group_id) if (case.id, p.id) not in reporter_ids]
        values = {**facts(sweep, case), "rectified": rectified.isoformat(),
                  "days": sweep.workdays(rectified, sweep.today)}
        notices += fan_out(f"case:{case.id}:verify-fallback:{rectified.isoformat()}", others,
                           "escalation.verify_fallback", case, ("vs", "vb", "vd"), values)
    return notices


def sweep_case_deadlines(session: Session, services: Services,
                         calendar: WorkCalendar | None = None,
                         ladder: EscalationLadder | None = None,
                         commit_chunks: bool = False) -> dict[str, int]:
    """Queue every due rung not queued before; counts of new notices per rung and of marks."""
    ladder = ladder or EscalationLadder.from_settings(services.settings)
    calendar = calendar or default_calendar()
    sweep = Sweep(session, services, calendar, ladder, commit_chunks=commit_chunks)
    warn_until = sweep.start_of(sweep.calendar.add_workdays(
        sweep.today, ladder.deadline_warning_before + 1))
    run_rung(sweep, "ack_reminder", (Case.status == CaseStatus.ASSIGNED.value,
             Case.assigned_at < sweep.working_days_ago(ladder.ack_reminder_after)),
             plan_ack_reminders)
    run_rung(sweep, "deadline_warning", (Case.status.in_(ACTIVE), Case.deadline >= sweep.now,
             Case.deadline < warn_until), plan_deadline_warnings)
    run_rung(sweep, "overdue", (Case.status.in_(ACTIVE), Case.deadline < sweep.now),
             plan_overdue)
    run_rung(sweep, "leadership", (Case.status.in_(ACTIVE), Case.deadline < sweep.now,
             Case.deadline < sweep.working_days_ago(ladder.leadership_after_overdue)),
             plan_leadership)
    run_rung(sweep, "verify_fallback", (Case.status == CaseStatus.RECTIFIED.value,
             Case.rectified_at < sweep.working_days_ago(ladder.verify_fallback_after)),
             plan_verify_fallback)
    return sweep.counts


def run_escalation(engine: Engine, services: Services, calendar: WorkCalendar | None = None,
                   ladder: EscalationLadder | None = None) -> dict[str, int]:
    """The scheduled job: one sweep, committed chunk by chunk."""
    with unit_of_work(engine) as session:
        counts = sweep_case_deadlines(session, services, calendar, ladder, commit_chunks=True)
    if any(counts.values()):
        log.info("escalation sweep: %s", ", ".join(f"{k}={v}" for k, v in counts.items() if v))
    return counts

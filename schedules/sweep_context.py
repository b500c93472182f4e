"""What one escalation sweep knows: its moment, calendar, ladder, counts and cached recipients."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.core.context import Services
from bot.core.quiet import next_allowed
from schedules.workdays import WorkCalendar
from storage import people
from storage.case_models import Case
from storage.db import unit_of_work
from storage.models import Department, Liaison, Membership, Person

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
class Sweep:
    """One run over the cases. Recipients are cached per run (read once, used for many cases)."""

    engine: Engine
    services: Services
    calendar: WorkCalendar
    ladder: EscalationLadder
    counts: dict[str, int] = field(default_factory=dict)
    cache: dict[tuple, list[Person]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.now = self.services.clock.utcnow()
        self.tz = self.services.settings.tz
        self.today = self.local_date(self.now)
        self.workdays = functools.cache(self.calendar.workdays_between)  # many cases share dates
        settings = self.services.settings
        self.due = next_allowed(self.now, settings.quiet_hours_start, settings.quiet_hours_end,
                                self.tz)  # when this sweep's pushes may go out
        with unit_of_work(self.engine, read_only=True) as session:
            self.departments = dict(session.exec(select(Department.id, Department.name)).all())

    def count(self, what: str, n: int = 1) -> None:
        """Add to one of the sweep's counts."""
        self.counts[what] = self.counts.get(what, 0) + n

    def local_date(self, moment: datetime) -> date:
        """The deployment's calendar date of a stored moment."""
        return moment.astimezone(self.tz).date()

    def start_of(self, day: date) -> datetime:
        """The UTC moment the local `day` begins."""
        return datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)

    def working_days_ago(self, n: int) -> datetime:
        """Moments before this fall on local days at least `n` working days before today."""
        return self.start_of(self.calendar.span_start(self.today, n))

    def people(self, session: Session, key: tuple,
               load: Callable[[Session], list[Person]]) -> list[Person]:
        """Active recipients loaded once per sweep under `key`."""
        if key not in self.cache:
            self.cache[key] = [p for p in load(session) if p.active]
        return self.cache[key]

    def liaisons(self, session: Session, department_id: int | None) -> list[Person]:
        """The department's liaisons."""
        return self.people(session, ("liaisons", department_id), lambda s: list(s.exec(
            select(Person).join(Liaison, Liaison.person_id == Person.id)
            .where(Liaison.department_id == department_id).order_by(Person.id)).all()))

    def leaders(self, session: Session, group_id: int) -> list[Person]:
        """The squad leaders of a group."""
        return self.people(session, ("leaders", group_id),
                           lambda s: people.leaders_of(s, group_id))

    def members(self, session: Session, group_id: int) -> list[Person]:
        """Everyone in a group."""
        return self.people(session, ("members", group_id), lambda s: list(s.exec(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == group_id).order_by(Person.id)).all()))

    def facts(self, case: Case) -> dict:
        """What every notice says about a case: number, short text, department, deadline."""
        from handlers.cases.render import short

        deadline = self.local_date(case.deadline).isoformat() if case.deadline else "—"
        return {"number": case.number, "text": short(case.description),
                "department": self.departments.get(case.department_id, "—"),
                "deadline": deadline}

    def overdue_values(self, case: Case) -> dict:
        """Facts plus calendar and working days past the deadline."""
        due = self.local_date(case.deadline)
        return {**self.facts(case), "days": (self.today - due).days,
                "workdays": self.workdays(due, self.today)}

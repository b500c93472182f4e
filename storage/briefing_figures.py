"""The briefing's figures (每日调度通报): case counts per task squad and county-wide, in two
aggregate queries however many squads and cases there are.

A squad (工作专班) answers for one supervision area, so a case counts for the squad of its area,
whichever group reported it. Merged cases are duplicates and count nowhere.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import and_, case, func
from sqlmodel import Session, select

from storage.case_models import Case, CaseStatus
from storage.case_stats import ACTIVE
from storage.models import Group, GroupKind, Membership, Person

NOT_ACCEPTED = [CaseStatus.SUBMITTED.value, CaseStatus.REJECTED.value]


@dataclass(frozen=True)
class Counts:
    """What the briefing counts for one squad or the county."""

    new_today: int = 0  # reported since local midnight
    total: int = 0  # reported in all (merged duplicates not counted)
    accepted: int = 0  # passed triage (受理)
    assigned: int = 0  # handed to a department (交办)
    rectified_today: int = 0  # fix reported since local midnight
    closed: int = 0  # closed out (销号)
    closed_on_time: int = 0  # closed out no later than their deadline
    overdue: int = 0  # with a department and past the deadline
    open: int = 0  # 未办结: not closed out or declined

    @property
    def rate(self) -> float | None:
        """整改率: closed ÷ assigned; None before anything was assigned."""
        return self.closed / self.assigned if self.assigned else None

    @property
    def timeliness(self) -> float:
        """Share of the closed cases closed within their deadline (0 when none is closed)."""
        return self.closed_on_time / self.closed if self.closed else 0.0

    def plus(self, other: Counts) -> Counts:
        """Both counts added up."""
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def to_dict(self) -> dict:
        """For the stored snapshot."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Counts:
        """From a stored snapshot (figures added later read as 0)."""
        return cls(**{f.name: int(data.get(f.name, 0)) for f in fields(cls)})


@dataclass(frozen=True)
class SquadFigures:
    """One task squad: its group, its members (active), its counts."""

    id: int
    name: str
    members: int
    counts: Counts


@dataclass(frozen=True)
class Figures:
    """Every squad (by name) and the county as a whole."""

    squads: list[SquadFigures]
    county: Counts

    def squad(self, squad_id: int) -> SquadFigures | None:
        """One squad's figures, if it is a squad."""
        return next((s for s in self.squads if s.id == squad_id), None)


def _sums(today_start: datetime, now: datetime) -> list:
    def count(*condition) -> object:
        return func.coalesce(func.sum(case((and_(*condition), 1), else_=0)), 0)

    return [
        count(Case.created_at >= today_start),
        func.count(Case.id),
        count(Case.status.not_in(NOT_ACCEPTED)),
        count(Case.assigned_at.is_not(None)),
        count(Case.rectified_at >= today_start),
        count(Case.status == CaseStatus.CLOSED.value),
        count(Case.status == CaseStatus.CLOSED.value, Case.closed_at <= Case.deadline),
        count(Case.status.in_(ACTIVE), Case.deadline < now),
        count(Case.status.not_in([CaseStatus.CLOSED.value, CaseStatus.REJECTED.value])),
    ]


def counts_by_area(session: Session, today_start: datetime, now: datetime) -> dict[int, Counts]:
    """Counts per supervision area of the cases reported by `now`, in one GROUP BY query."""
    rows = session.exec(select(Case.area_id, *_sums(today_start, now))
                        .where(Case.status != CaseStatus.MERGED.value, Case.created_at <= now)
                        .group_by(Case.area_id)).all()
    return {row[0]: Counts(*(int(value) for value in row[1:])) for row in rows}


def squads(session: Session) -> list[tuple[int, str, int | None, int]]:
    """Task squads as (id, name, area id, active members), by name."""
    members = (select(Membership.group_id, func.count().label("n"))
               .join(Person, Person.id == Membership.person_id).where(Person.active)
               .group_by(Membership.group_id).subquery())
    rows = session.exec(
        select(Group.id, Group.name, Group.area_id, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.group_id == Group.id)
        .where(Group.kind == GroupKind.TASK_SQUAD.value).order_by(Group.name)).all()
    return [(gid, name, area, int(n)) for gid, name, area, n in rows]


def figures(session: Session, today_start: datetime, now: datetime) -> Figures:
    """Each squad's counts (its area's cases) and the county's (every case)."""
    by_area = counts_by_area(session, today_start, now)
    county = Counts()
    for counts in by_area.values():
        county = county.plus(counts)
    listed = [SquadFigures(gid, name, members, by_area.get(area, Counts()))
              for gid, name, area, members in squads(session)]
    return Figures(listed, county)

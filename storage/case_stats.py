"""Counts over cases for the office: open, overdue, under key supervision, closed since a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from storage.case_models import FINAL_STATUSES, Case, CaseStatus
from storage.models import Department

ACTIVE = [CaseStatus.ASSIGNED.value, CaseStatus.ACKNOWLEDGED.value, CaseStatus.IN_PROGRESS.value]


@dataclass(frozen=True)
class LateCase:
    """An overdue case as the office lists it."""

    id: int
    number: str
    department: str
    deadline: datetime
    key_supervision: bool


def _late(now: datetime) -> tuple:
    return Case.status.in_(ACTIVE), Case.deadline < now


def count_open(session: Session) -> int:
    """Cases not yet closed, rejected or merged."""
    return session.exec(select(func.count()).select_from(Case).where(
        Case.status.not_in([s.value for s in FINAL_STATUSES]))).one()


def count_overdue(session: Session, now: datetime, since: datetime | None = None,
                  key_supervision: bool | None = None) -> int:
    """Open cases past their deadline (whose deadline passed after `since`; only 重点督办)."""
    query = select(func.count()).select_from(Case).where(*_late(now))
    if since is not None:
        query = query.where(Case.deadline >= since)
    if key_supervision is not None:
        query = query.where(Case.key_supervision == key_supervision)
    return session.exec(query).one()


def count_closed_since(session: Session, since: datetime) -> int:
    """Cases closed out (销号) since `since`."""
    return session.exec(select(func.count()).select_from(Case).where(
        Case.status == CaseStatus.CLOSED.value, Case.closed_at >= since)).one()


def oldest_overdue(session: Session, now: datetime, limit: int,
                   by_department: bool = False) -> list[LateCase]:
    """Overdue cases, oldest deadline first; or 重点督办 first, then by department."""
    order = (Case.key_supervision.desc(), Department.name) if by_department else ()
    rows = session.exec(
        select(Case.id, Case.number, Department.short_name, Department.name, Case.deadline,
               Case.key_supervision)
        .join(Department, Department.id == Case.department_id).where(*_late(now))
        .order_by(*order, Case.deadline, Case.id).limit(limit)).all()
    return [LateCase(case_id, number, short or name, deadline, flag)
            for case_id, number, short, name, deadline, flag in rows]

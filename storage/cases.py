"""Queries on problem cases: numbering, reporters, media, lists per role, similar open cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.case_models import (
    FINAL_STATUSES,
    Case,
    CaseMedia,
    CaseReporter,
    CaseStatus,
    Extension,
)
from storage.models import Membership, Person

OPEN = [s.value for s in CaseStatus if s not in FINAL_STATUSES]


def is_open(case: Case) -> bool:
    """True unless the case is closed, rejected or merged."""
    return case.status not in FINAL_STATUSES


def next_number(session: Session, year: int) -> tuple[int, str]:
    """The next sequence number of the year and its display form, e.g. (42, "2026-0042")."""
    last = session.exec(select(func.max(Case.seq)).where(Case.year == year)).one()
    seq = (last or 0) + 1
    return seq, f"{year}-{seq:04d}"


def insert_numbered(session: Session, case: Case, attempts: int = 5) -> None:
    """Insert a case with the next free number of its year, retrying if another took it."""
    for attempt in range(attempts):
        case.seq, case.number = next_number(session, case.year)
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise


def by_number(session: Session, number: str) -> Case | None:
    """The case with this number (e.g. 2026-0042)."""
    return session.exec(select(Case).where(Case.number == number.strip())).first()


def by_seq(session: Session, seq: int) -> Case | None:
    """The newest year's case with this sequence number (`/case 42`)."""
    return session.exec(select(Case).where(Case.seq == seq).order_by(Case.year.desc())).first()


def reporters(session: Session, case_id: int) -> list[Person]:
    """Everyone who reported the case, first reporter first."""
    return list(session.exec(
        select(Person).join(CaseReporter, CaseReporter.person_id == Person.id)
        .where(CaseReporter.case_id == case_id).order_by(CaseReporter.joined_at, Person.id)
    ).all())


def reporter_rows(session: Session, case_id: int) -> list[CaseReporter]:
    """The case's reporter rows (person and the group they reported for)."""
    return list(session.exec(select(CaseReporter).where(CaseReporter.case_id == case_id)
                             .order_by(CaseReporter.joined_at)).all())


def is_reporter(session: Session, case_id: int, person_id: int) -> bool:
    """True when the person reported (or co-reported) the case."""
    return session.get(CaseReporter, (case_id, person_id)) is not None


def add_reporter(session: Session, case_id: int, person_id: int, group_id: int,
                 now: datetime) -> bool:
    """Add a (co-)reporter; False if they were one already."""
    if is_reporter(session, case_id, person_id):
        return False
    session.add(CaseReporter(case_id=case_id, person_id=person_id, group_id=group_id,
                             joined_at=now))
    return True


def media_of(session: Session, case_id: int, kinds: Sequence[str] = ()) -> list[CaseMedia]:
    """The case's files, oldest first, optionally of some kinds only."""
    query = select(CaseMedia).where(CaseMedia.case_id == case_id)
    if kinds:
        query = query.where(CaseMedia.kind.in_(list(kinds)))
    return list(session.exec(query.order_by(CaseMedia.added_at, CaseMedia.id)).all())


def open_in(session: Session, area_id: int, township: str | None, limit: int = 200,
            group_ids: Sequence[int] | None = None) -> list[Case]:
    """Open cases of an area (and township, and groups, when given), newest first."""
    query = select(Case).where(Case.area_id == area_id, Case.status.in_(OPEN))
    if township:
        query = query.where(Case.township == township)
    if group_ids is not None:
        query = query.where(Case.group_id.in_(list(group_ids)))
    return list(session.exec(query.order_by(Case.id.desc()).limit(limit)).all())


def open_with_location(session: Session, limit: int = 2000) -> list[Case]:
    """Open cases that have coordinates (for the 300 m check)."""
    return list(session.exec(select(Case).where(
        Case.status.in_(OPEN), Case.latitude.is_not(None)).order_by(Case.id.desc()).limit(limit)
    ).all())


def reported_by(session: Session, person_id: int, limit: int = 20) -> list[Case]:
    """Cases this person reported or co-reported, newest first."""
    return list(session.exec(
        select(Case).join(CaseReporter, CaseReporter.case_id == Case.id)
        .where(CaseReporter.person_id == person_id).order_by(Case.id.desc()).limit(limit)
    ).all())


def awaiting_triage(session: Session, group_ids: Sequence[int] | None,
                    limit: int = 20) -> list[Case]:
    """Submitted cases of these groups (None: all groups), oldest first."""
    query = select(Case).where(Case.status == CaseStatus.SUBMITTED)
    if group_ids is not None:
        query = query.where(Case.group_id.in_(list(group_ids)))
    return list(session.exec(query.order_by(Case.id).limit(limit)).all())


def awaiting_assignment(session: Session, limit: int = 20) -> list[Case]:
    """Accepted cases no department has yet, oldest first."""
    return list(session.exec(select(Case).where(Case.status == CaseStatus.ACCEPTED)
                             .order_by(Case.id).limit(limit)).all())


def pending_extensions(session: Session, limit: int = 20) -> list[tuple[Extension, Case]]:
    """Extension requests waiting for staff's decision, oldest first, with their cases."""
    return list(session.exec(select(Extension, Case).join(Case, Case.id == Extension.case_id)
                             .where(Extension.approved.is_(None))
                             .order_by(Extension.requested_at, Extension.id).limit(limit)).all())


def awaiting_verification(session: Session, group_ids: Sequence[int] | None, before: datetime,
                          limit: int = 20) -> list[Case]:
    """Fixes reported before `before` that nobody has verified, oldest first."""
    query = select(Case).where(Case.status == CaseStatus.RECTIFIED, Case.rectified_at < before)
    if group_ids is not None:
        query = query.where(Case.group_id.in_(list(group_ids)))
    return list(session.exec(query.order_by(Case.rectified_at, Case.id).limit(limit)).all())


def tasks_of(session: Session, department_ids: Sequence[int], limit: int = 30) -> list[Case]:
    """A department's open cases, soonest deadline first."""
    return list(session.exec(
        select(Case).where(Case.department_id.in_(list(department_ids)),
                           Case.status.in_(OPEN))
        .order_by(Case.deadline, Case.id).limit(limit)
    ).all())




def pending_extension(session: Session, case_id: int) -> Extension | None:
    """An extension request still waiting for staff's decision."""
    return session.exec(select(Extension).where(
        Extension.case_id == case_id, Extension.approved.is_(None))).first()


def shares_group(session: Session, case: Case, person_id: int) -> bool:
    """True when the person is in the case's group or in a co-reporter's group."""
    group_ids = session.exec(select(CaseReporter.group_id).where(
        CaseReporter.case_id == case.id)).all()
    wanted = {case.group_id, *group_ids}
    return session.exec(select(Membership.group_id).where(
        Membership.person_id == person_id, Membership.group_id.in_(list(wanted)),
    )).first() is not None

"""The duty record (履职档案) per delegate and year, counted from the data, never typed: cases
reported and accepted; inspections, meetings, trainings (and hours) and other activities
attended; leaves, late withdrawals and no-shows (signed up, never checked in, now over);
notices acknowledged (收到).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, select

from storage.activity_models import Activity, ActivityAnswer, ActivityKind, ActivityState, Answer
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.notice_models import NoticeRecipient

VISITS = (ActivityKind.INSPECTION, ActivityKind.SURVEY, ActivityKind.UNANNOUNCED)
MEETING_KINDS = (ActivityKind.DISCUSSION, ActivityKind.JOINT_MEETING)
OTHERS = (ActivityKind.CONTEST, ActivityKind.OTHER)
ACCEPTED = (CaseStatus.ACCEPTED, CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED,
            CaseStatus.IN_PROGRESS, CaseStatus.RECTIFIED, CaseStatus.CLOSED)
FIELDS = ("cases_reported", "cases_accepted", "inspections", "meetings", "leaves", "trainings",
          "training_hours", "others", "late_withdrawals", "no_shows", "notices_acknowledged")


def _when(condition) -> object:
    return func.sum(case((condition, 1), else_=0))


def empty() -> dict[str, float]:
    """A record with every count at zero."""
    return dict.fromkeys(FIELDS, 0)


def records(session: Session, since: datetime, until: datetime, now: datetime,
            person_ids: Iterable[int] | None = None) -> dict[int, dict[str, float]]:
    """Counts per person id for activities starting and cases reported in [since, until)."""
    ids = list(person_ids) if person_ids is not None else None
    found: dict[int, dict[str, float]] = defaultdict(empty)
    _activities(session, since, until, now, ids, found)
    _trainings(session, since, until, ids, found)
    _cases(session, since, until, ids, found)
    _notices(session, since, until, ids, found)
    return found


def _activities(session, since, until, now, ids, found) -> None:
    came = ActivityAnswer.checked_in_at.is_not(None)
    query = select(
        ActivityAnswer.person_id,
        _when(came & Activity.kind.in_(VISITS)), _when(came & Activity.kind.in_(MEETING_KINDS)),
        _when(ActivityAnswer.answer == Answer.LEAVE),
        _when(came & (Activity.kind == ActivityKind.TRAINING)),
        _when(came & Activity.kind.in_(OTHERS)),
        _when((ActivityAnswer.answer == Answer.WITHDRAWN) & ActivityAnswer.late),
        _when((ActivityAnswer.answer == Answer.SIGNED_UP) & ActivityAnswer.checked_in_at.is_(None)
              & (Activity.end_at < now)),
    ).join(Activity, Activity.id == ActivityAnswer.activity_id).where(
        Activity.state == ActivityState.ACTIVE, Activity.start_at >= since,
        Activity.start_at < until).group_by(ActivityAnswer.person_id)
    if ids is not None:
        query = query.where(ActivityAnswer.person_id.in_(ids))
    names = ("inspections", "meetings", "leaves", "trainings", "others", "late_withdrawals",
             "no_shows")
    for person_id, *counts in session.exec(query):
        if any(counts):
            found[person_id].update(zip(names, (int(c or 0) for c in counts), strict=True))


def _trainings(session, since, until, ids, found) -> None:
    """Hours of the trainings each person checked in to (end minus start)."""
    query = select(ActivityAnswer.person_id, Activity.start_at, Activity.end_at).join(
        Activity, Activity.id == ActivityAnswer.activity_id).where(
        Activity.state == ActivityState.ACTIVE, Activity.kind == ActivityKind.TRAINING,
        Activity.start_at >= since, Activity.start_at < until,
        ActivityAnswer.checked_in_at.is_not(None))
    if ids is not None:
        query = query.where(ActivityAnswer.person_id.in_(ids))
    for person_id, start, end in session.exec(query):
        hours = (end - start).total_seconds() / 3600
        found[person_id]["training_hours"] = round(found[person_id]["training_hours"] + hours, 1)


def _cases(session, since, until, ids, found) -> None:
    query = select(CaseReporter.person_id, func.count(),
                   _when(Case.status.in_(ACCEPTED))).join(
        Case, Case.id == CaseReporter.case_id).where(
        Case.created_at >= since, Case.created_at < until).group_by(CaseReporter.person_id)
    if ids is not None:
        query = query.where(CaseReporter.person_id.in_(ids))
    for person_id, reported, accepted in session.exec(query):
        found[person_id].update(cases_reported=int(reported), cases_accepted=int(accepted or 0))


def _notices(session, since, until, ids, found) -> None:
    """Notices the person said 收到 to, by when they said it."""
    query = select(NoticeRecipient.person_id, func.count()).where(
        NoticeRecipient.acknowledged_at >= since, NoticeRecipient.acknowledged_at < until
    ).group_by(NoticeRecipient.person_id)
    if ids is not None:
        query = query.where(NoticeRecipient.person_id.in_(ids))
    for person_id, acknowledged in session.exec(query):
        found[person_id]["notices_acknowledged"] = int(acknowledged)

"""Demo activities of the demo county: past inspections, a meeting and a training with rosters,
leaves, check-ins and work logs (a case found during an inspection among them), and upcoming
ones with sign-ups and a waitlist, so /agenda, /roster and /mystats show something at once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import Session, select

from storage import activities
from storage.activity_models import (
    Activity,
    ActivityAnswer,
    ActivityCase,
    ActivityLog,
    ActivityLogPhoto,
    Answer,
)
from storage.case_models import Case
from storage.demo import demo_delegate_example
from storage.media import MediaStore
from storage.models import Group, Membership, Person


@dataclass(frozen=True)
class Plan:
    """One demo activity: kind, title, days from now (negative: past), local start, hours,
    capacity, and the answers of the group's members in order (A attended, S signed up,
    W waitlisted, D declined, L leave, X late withdrawal, N no answer).
    """

    kind: str
    title: str
    days: int
    at: time
    hours: float
    capacity: int | None
    answers: str
    log: str = ""


PLANS = (
    Plan("discussion", "民生实事推进座谈会", -7, time(14, 30), 2, None, "AAALLAADXAAN",
         "围绕学校周边道路、卫生室药品管理等问题与相关部门座谈，形成问题清单5项。"),
    Plan("training", "代表履职能力培训", -14, time(9, 0), 3, None, "AAAAAAAASDNA",
         "邀请市人大法工委讲解代表建议办理和监督法，参训代表结合实际交流履职体会。"),
    Plan("joint_meeting", "每周联席会议", 1, time(9, 0), 1.5, None, "SSLSSNNSSDNN"),
    Plan("inspection", "河道整治现场视察", 2, time(9, 30), 2, 5, "SSSSSWWDNNNN"),
    Plan("training", "监督法专题培训", 5, time(14, 0), 3, None, "SSSSNNNNSSNN"),
    Plan("contest", "履职擂台赛（第三期）", 6, time(15, 0), 2, None, "SSNNNNNNNNNN"),
)
ANSWERS = {"A": Answer.SIGNED_UP, "S": Answer.SIGNED_UP, "W": Answer.WAITLISTED,
           "D": Answer.DECLINED, "L": Answer.LEAVE, "X": Answer.WITHDRAWN, "N": Answer.NONE}
LEAVE_REASON = "参加市人大常委会会议"


def _site_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (110, 150, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _group_and_leader(session: Session) -> tuple[Group, Person, list[Person]]:
    """The task squad of the demo's example delegate, its leader and its other members."""
    example = demo_delegate_example(session)
    group = session.exec(select(Group).join(Membership, Membership.group_id == Group.id).where(
        Membership.person_id == example.id, Group.kind == "task_squad")).first()
    rows = session.exec(select(Person, Membership.is_leader).join(
        Membership, Membership.person_id == Person.id).where(
        Membership.group_id == group.id).order_by(Person.id)).all()
    leader = next(person for person, leads in rows if leads)
    return group, leader, [person for person, leads in rows if not leads]


def _answer(session: Session, activity: Activity, person: Person, code: str,
            at: datetime) -> None:
    row = activities.answer_of(session, activity.id, person.id)
    row.answer, row.answered_at = ANSWERS[code], at
    row.reason = LEAVE_REASON if code == "L" else ""
    row.late = code == "X"
    if code == "A":
        row.checked_in_at = activity.start_at + timedelta(minutes=5)
    session.add(row)


def _add(session: Session, plan: Plan, group: Group, leader: Person, members: list[Person],
         now: datetime, tz: ZoneInfo) -> Activity:
    start = _local(now.astimezone(tz).date() + timedelta(days=plan.days), plan.at, tz)
    activity = activities.create(
        session, min(now, start - timedelta(days=3)), kind=plan.kind, title=plan.title,
        start_at=start, end_at=start + timedelta(hours=plan.hours), place="县人大三楼会议室",
        capacity=plan.capacity, organiser_id=leader.id)
    activities.invite_groups(session, activity, [group.id])
    session.flush()
    for person, code in zip(members, plan.answers, strict=False):
        _answer(session, activity, person, code, activity.created_at + timedelta(hours=2))
    activity.signed_up = sum(1 for c in plan.answers[:len(members)] if c in "AS")
    session.add(activity)
    return activity


def _inspection_with_a_case(session: Session, group: Group, leader: Person, now: datetime,
                            photo_sha: str) -> None:
    """A past inspection around the squad's earliest demo case, its reporter checked in."""
    case = session.exec(select(Case).where(Case.group_id == group.id, Case.created_at < now)
                        .order_by(Case.created_at)).first()
    if case is None:
        return
    start = case.created_at - timedelta(minutes=30)
    activity = activities.create(
        session, start - timedelta(days=3), kind="inspection", title="学校周边道路安全视察",
        start_at=start, end_at=start + timedelta(hours=2), place="镇中心小学", capacity=8,
        organiser_id=leader.id)
    activities.invite_groups(session, activity, [group.id])
    session.flush()
    rows = session.exec(select(ActivityAnswer).where(
        ActivityAnswer.activity_id == activity.id).order_by(ActivityAnswer.person_id)).all()
    for n, row in enumerate(rows[:8]):
        came = row.person_id == case.reporter_id or n < 5
        row.answer, row.answered_at = Answer.SIGNED_UP, activity.created_at
        row.checked_in_at = start + timedelta(minutes=10) if came else None
        session.add(row)
    activity.signed_up = min(len(rows), 8)
    session.add(activity)
    session.add(ActivityCase(activity_id=activity.id, case_id=case.id, linked_at=case.created_at))
    _log(session, activity, leader, "实地查看学校门前道路，发现路面破损积水，已由代表现场反映。",
         photo_sha)


def _log(session: Session, activity: Activity, leader: Person, text: str,
         photo_sha: str | None) -> None:
    session.add(ActivityLog(activity_id=activity.id, author_id=leader.id, text=text,
                            created_at=activity.end_at + timedelta(hours=3)))
    session.flush()
    if photo_sha:
        session.add(ActivityLogPhoto(activity_id=activity.id, sha256=photo_sha, ext="png"))


def load_demo_activities(session: Session, now: datetime, tz: ZoneInfo,
                         media: MediaStore) -> int:
    """Add the demo activities once (none if any activity exists); how many were added."""
    if session.exec(select(Activity.id)).first() is not None:
        return 0
    photo = media.put_image(_site_photo())
    group, leader, members = _group_and_leader(session)
    for plan in PLANS:
        activity = _add(session, plan, group, leader, members, now, tz)
        if plan.log:
            _log(session, activity, leader, plan.log, photo.sha256)
    _inspection_with_a_case(session, group, leader, now, photo.sha256)
    session.flush()
    return len(PLANS) + 1

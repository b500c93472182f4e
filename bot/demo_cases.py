"""Demo cases in every state, so a new user of the demo county sees a living campaign."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import Session, select

from bot.flows.case_lifecycle import case_machine
from schedules.workdays import default_calendar
from storage import audit, cases
from storage.case_models import Case, CaseMedia, CaseReporter, MediaKind
from storage.media import MediaStore
from storage.models import Area, Department, Group, Liaison, Membership, Person, RoleGrant

PROBLEMS = {
    "energy": "风电项目施工便道占用林地，完工后未恢复植被，雨后水土流失明显",
    "realestate": "小区交房两年仍未办理不动产权证，业主多次反映无果",
    "health": "村卫生室药品过期未清理，医疗废物与生活垃圾混放",
    "environment": "河道旁养殖场污水直排，夏季异味严重，周边群众反映强烈",
    "business": "企业办理施工许可需重复提交材料，承诺时限内未办结",
    "elderly": "敬老院消防通道被杂物堵塞，部分灭火器已过期",
    "livelihood": "镇中心小学门前道路破损积水，学生上下学不安全",
}
# The triggers each demo case has gone through; the lifecycle machine checks every path.
PATHS = (
    (), (), (), ("accept",), ("accept",), ("reject",), ("merge",),
    ("accept", "assign"), ("accept", "assign"), ("accept", "assign", "acknowledge"),
    ("accept", "assign", "acknowledge", "progress"),
    ("accept", "assign", "acknowledge", "progress"),
    ("accept", "assign", "acknowledge", "progress", "rectify"),
    ("accept", "assign", "acknowledge", "progress", "rectify", "reopen"),
    ("accept", "assign", "acknowledge", "progress", "rectify", "confirm"),
    ("accept", "assign", "acknowledge", "rectify", "confirm"),
)
DAYS_AGO = (2, 1, 0, 4, 3, 5, 6, 25, 9, 12, 30, 14, 16, 20, 28, 22)


def load_demo_cases(session: Session, now: datetime, tz: ZoneInfo, media: MediaStore) -> int:
    """Add the demo cases once (none if any case exists); returns how many were added."""
    if session.exec(select(Case.id)).first() is not None:
        return 0
    rng, machine = random.Random(7), case_machine()
    squads = session.exec(select(Group).where(Group.kind == "task_squad").order_by(Group.id)).all()
    departments = session.exec(select(Department).order_by(Department.id)).all()
    staff_id = session.exec(select(RoleGrant.person_id).where(RoleGrant.role == "staff")).first()
    photo = media.put_image(_demo_photo())
    for index, (path, days_ago) in enumerate(zip(PATHS, DAYS_AGO, strict=True)):
        squad = squads[index % len(squads)]
        start = now - timedelta(days=days_ago, hours=rng.randint(1, 8))
        case = _new_case(session, squad, start, tz)
        session.add(CaseMedia(case_id=case.id, sha256=photo.sha256, ext="png",
                              kind=MediaKind.PHOTO, added_by_id=case.reporter_id, added_at=start))
        department = departments[index % len(departments)]
        _walk(session, machine, case, path, department, staff_id, start, tz)
    return len(PATHS)


def _demo_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 130, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _new_case(session: Session, squad: Group, at: datetime, tz: ZoneInfo) -> Case:
    member = session.exec(select(Membership).where(
        Membership.group_id == squad.id, Membership.is_leader.is_(False))).first()
    reporter = session.get(Person, member.person_id)
    area = session.get(Area, squad.area_id)
    year = at.astimezone(tz).year
    seq, number = cases.next_number(session, year)
    case = Case(year=year, seq=seq, number=number, area_id=area.id, township=reporter.township,
                description=PROBLEMS.get(area.code, PROBLEMS["livelihood"]),
                reporter_id=reporter.id, group_id=squad.id, created_at=at, updated_at=at)
    session.add(case)
    session.flush()
    session.add(CaseReporter(case_id=case.id, person_id=reporter.id, group_id=squad.id,
                             joined_at=at))
    audit.record(session, at, reporter.id, "case.submitted", subject_type="case",
                 subject_id=case.id, to_state=case.status)
    return case


def _walk(session, machine, case, path, department, staff_id, start, tz) -> None:
    liaison_id = session.exec(select(Liaison.person_id).where(
        Liaison.department_id == department.id)).first()
    actors = {"assign": staff_id, "accept": staff_id, "reject": staff_id, "merge": staff_id,
              "acknowledge": liaison_id, "progress": liaison_id, "rectify": liaison_id,
              "confirm": case.reporter_id, "reopen": case.reporter_id}
    at = start
    for trigger in path:
        at += timedelta(days=1)
        before, case.status = case.status, machine.move(case.status, trigger)
        _apply(case, trigger, department, at, tz)
        audit.record(session, at, actors[trigger], f"case.{trigger}", subject_type="case",
                     subject_id=case.id, from_state=before, to_state=case.status,
                     note=NOTES.get(trigger, ""))
    case.updated_at = at
    session.add(case)


NOTES = {"reject": "不属于本次监督范围，已转信访部门", "progress": "已制定整改方案，正在组织施工",
         "rectify": "已整改到位，附现场照片", "reopen": "现场复查仍有问题", "confirm": "satisfied"}


def _apply(case: Case, trigger: str, department: Department, at: datetime, tz: ZoneInfo) -> None:
    if trigger == "assign":
        local_end = default_calendar().deadline_from(at.astimezone(tz), 10)
        case.department_id, case.assigned_at, case.deadline = department.id, at, local_end
    elif trigger == "acknowledge":
        case.acknowledged_at = at
    elif trigger == "reject":
        case.rejection_reason = NOTES["reject"]
    elif trigger in ("progress", "rectify"):
        case.progress_note = NOTES[trigger]
        case.rectified_at = at if trigger == "rectify" else case.rectified_at
    elif trigger == "reopen":
        case.reopen_count, case.satisfaction, case.rectified_at = 1, "dissatisfied", None
    elif trigger == "confirm":
        case.satisfaction, case.closed_at = "satisfied", at

"""Case buttons: triage, assignment deadlines, extensions (延期), verify fallback, visibility."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from storage import audit, cases
from storage.case_models import (
    Case,
    CaseMedia,
    CaseReporter,
    CaseStatus,
    Extension,
    MediaKind,
)
from storage.db import unit_of_work
from storage.models import Area, Department, Group, Membership, OutboxMessage, Person
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, conversation_of, count, zh
from tests.support import Dialog

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOT_ALLOWED = "抱歉，您没有权限进行这项操作。发送 /help 查看您可以使用的功能。"
SHA_A, SHA_B = "a" * 64, "b" * 64


def at(*args: int) -> datetime:
    """A Shanghai wall-clock moment, as the aware UTC instant the app stores."""
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _new_case(app, clock, cast: Cast, status: CaseStatus = CaseStatus.SUBMITTED, *,
              department: Department | None = None, deadline: datetime | None = None,
              description: str = "路边垃圾堆放多日无人清运，影响周边居民出行") -> Case:
    with unit_of_work(app.engine) as session:
        return make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                         status=status, department=department, deadline=deadline,
                         description=description)


def _reload(app, case_id: int) -> Case:
    with unit_of_work(app.engine) as session:
        return session.get(Case, case_id)


def _audit_actions(app, case_id: int) -> list[tuple[str, str | None, str | None, str]]:
    with unit_of_work(app.engine) as session:
        return [(e.action, e.from_state, e.to_state, e.note)
                for e in audit.entries_for(session, "case", case_id)]


def _push(app, key: str) -> OutboxMessage | None:
    with unit_of_work(app.engine) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).first()


# --- triage --------------------------------------------------------------------------------


async def test_reject_asks_for_a_reason_and_tells_the_reporter(app, clock, cast):
    case = _new_case(app, clock, cast)
    leader = await bound(app, cast.leader, "8001")
    await leader.press(f"c:rej:{case.id}")
    assert f"请输入问题 {case.number} 的不予受理理由" in leader.text
    assert _reload(app, case.id).status == CaseStatus.SUBMITTED  # nothing happens before the reason

    reason = "属于物业管理纠纷，请通过业主委员会协调解决"
    await leader.send(reason)
    assert f"问题 {case.number} 不予受理，理由已告知反映代表。" in leader.text

    rejected = _reload(app, case.id)
    assert rejected.status == CaseStatus.REJECTED and rejected.rejection_reason == reason
    assert ("case.reject", "submitted", "rejected", reason) in _audit_actions(app, case.id)
    assert conversation_of(app.engine, cast.leader.id) is None
    push = _push(app, f"case:{case.id}:rejected:reporter:{cast.reporter.id}")
    assert push is not None and push.person_id == cast.reporter.id
    assert f"理由：{reason}" in push.payload["text"] and case.number in push.payload["text"]


async def test_reject_needs_text_for_the_reason(app, clock, cast):
    case = _new_case(app, clock, cast)
    leader = await bound(app, cast.leader, "8002")
    await leader.press(f"c:rej:{case.id}")
    await leader.send("   ")
    assert "这一步需要输入文字（或通过按钮选择）。" in leader.text
    assert _reload(app, case.id).status == CaseStatus.SUBMITTED
    assert conversation_of(app.engine, cast.leader.id).state == "text"


async def test_a_reason_for_declining_needs_four_characters(app, clock, cast):
    case = _new_case(app, clock, cast)
    leader = await bound(app, cast.leader, "8003")
    await leader.press(f"c:rej:{case.id}")
    await leader.send("重复")
    assert "至少写 4 个字" in leader.text
    assert _reload(app, case.id).status == CaseStatus.SUBMITTED
    assert conversation_of(app.engine, cast.leader.id).state == "text"
    await leader.send("重复反映")
    assert _reload(app, case.id).status == CaseStatus.REJECTED


async def test_merge_moves_reporters_and_media_to_the_target(app, clock, cast):
    target = _new_case(app, clock, cast, description="青禾大道东段路灯连续两周不亮")
    with unit_of_work(app.engine) as session:
        source = make_case(session, clock.utcnow(), reporter=cast.member, group=cast.group,
                           description="青禾大道东段128号门口路灯坏了")
        session.add(CaseMedia(case_id=target.id, sha256=SHA_A, ext="jpg", kind=MediaKind.PHOTO,
                              added_by_id=cast.reporter.id, added_at=clock.utcnow()))
        session.add(CaseMedia(case_id=source.id, sha256=SHA_B, ext="jpg", kind=MediaKind.PHOTO,
                              added_by_id=cast.member.id, added_at=clock.utcnow()))

    leader = await bound(app, cast.leader, "8003")
    await leader.press(f"c:mrg:{source.id}")
    assert f"请选择要把 {source.number} 合并到哪个问题：" in leader.text
    assert leader.labels() == [target.number]
    assert leader.payload_of(target.number) == f"c:mrgto:{source.id}:{target.id}"
    await leader.press(target.number)
    assert f"问题 {source.number} 已合并到 {target.number}" in leader.text

    merged = _reload(app, source.id)
    assert merged.status == CaseStatus.MERGED and merged.merged_into_id == target.id
    assert _reload(app, target.id).status == CaseStatus.SUBMITTED
    with unit_of_work(app.engine) as session:
        assert [p.id for p in cases.reporters(session, target.id)] == [
            cast.reporter.id, cast.member.id]
        assert sorted(m.sha256 for m in cases.media_of(session, target.id)) == [SHA_A, SHA_B]
    assert ("case.merge", "submitted", "merged", target.number) in _audit_actions(app, source.id)
    push = _push(app, f"case:{source.id}:merged:reporter:{cast.member.id}")
    assert push is not None and target.number in push.payload["text"]

    await leader.press(f"c:mrgto:{source.id}:{target.id}")  # the same button again
    assert "不能进行这项操作" in leader.text



async def test_merge_keeps_each_co_reporters_group(app, clock, cast):
    target = _new_case(app, clock, cast, description="青禾大道东段路灯连续两周不亮")
    source = _new_case(app, clock, cast, description="青禾大道东段128号门口路灯坏了")
    with unit_of_work(app.engine) as session:
        township = session.exec(select(Group).where(
            Group.kind == "township", Group.township == cast.reporter.township)).one()
        neighbour = session.exec(
            select(Person).join(Membership, Membership.person_id == Person.id)
            .where(Membership.group_id == township.id, Person.id != cast.reporter.id)
            .order_by(Person.id)).first()
        cases.add_reporter(session, source.id, neighbour.id, township.id, clock.utcnow())

    leader = await bound(app, cast.leader, "8007")
    await leader.press(f"c:mrgto:{source.id}:{target.id}")
    assert "已合并到" in leader.text
    with unit_of_work(app.engine) as session:
        row = session.get(CaseReporter, (target.id, neighbour.id))
    assert row is not None and row.group_id == township.id

async def test_merge_into_a_finished_case_is_refused(app, clock, cast):
    source = _new_case(app, clock, cast)
    closed = _new_case(app, clock, cast, CaseStatus.CLOSED, description="早已办结的问题，勿再合并")
    leader = await bound(app, cast.leader, "8004")
    await leader.press(f"c:mrgto:{source.id}:{closed.id}")
    assert "目标问题已办结或不存在，未合并。" in leader.text
    await leader.press(f"c:mrgto:{source.id}:{source.id}")
    assert "目标问题已办结或不存在，未合并。" in leader.text
    assert _reload(app, source.id).status == CaseStatus.SUBMITTED


async def test_a_leader_of_another_group_cannot_triage(app, clock, cast):
    case = _new_case(app, clock, cast)
    outsider = await bound(app, cast.other_leader, "8005")
    for code in ("acc", "rej", "mrg"):
        await outsider.press(f"c:{code}:{case.id}")
        assert outsider.text == NOT_ALLOWED
    assert _reload(app, case.id).status == CaseStatus.SUBMITTED
    assert conversation_of(app.engine, cast.other_leader.id) is None
    with unit_of_work(app.engine) as session:
        denied = [(e.actor_id, e.note) for e in audit.entries_by_action(session, "denied")
                  if e.subject_id == case.id]
    assert denied == [(cast.other_leader.id, "accept"), (cast.other_leader.id, "reject"),
                      (cast.other_leader.id, "merge")]

    leader = await bound(app, cast.leader, "8006")  # the case's own leader may
    await leader.press(f"c:acc:{case.id}")
    assert f"已受理问题 {case.number}" in leader.text
    assert _reload(app, case.id).status == CaseStatus.ACCEPTED


# --- assignment ----------------------------------------------------------------------------


async def _assign(staff: Dialog, case: Case, department: str, days: str) -> list[str]:
    """Open the assignment, pick the department, choose (or type) the days; the day labels."""
    await staff.press(f"c:asg:{case.id}")
    assert f"交办问题 {case.number}：请选择责任单位。" in staff.text
    await staff.press(department)
    assert "请选择整改时限" in staff.text
    labels = staff.labels()
    label = next((x for x in labels if x.startswith(f"{days}个工作日")), None)
    if label:
        await staff.press(label)
    else:
        await staff.send(days)
    assert "请确认：" in staff.text
    return labels


async def test_default_deadline_skips_the_weekend(app, clock, cast):
    clock.set(at(2026, 11, 27, 10))  # a Friday
    case = _new_case(app, clock, cast, CaseStatus.ACCEPTED)
    staff = await bound(app, cast.staff, "8010")
    labels = await _assign(staff, case, cast.department.name, "5")
    assert "5个工作日（2026-12-04）" in labels
    assert "整改时限 5 个工作日（2026-12-04 前）" in staff.text
    await staff.press("确认")
    assert f"已交办给 {cast.department.name}，整改时限 2026-12-04。" in staff.text

    assigned = _reload(app, case.id)
    assert assigned.status == CaseStatus.ASSIGNED
    assert assigned.department_id == cast.department.id
    assert assigned.deadline == datetime(2026, 12, 4, 23, 59, 59, tzinfo=SHANGHAI)
    assert assigned.assigned_at == clock.utcnow()
    push = _push(app, f"case:{case.id}:assigned:20261127020000:department:{cast.liaison.id}")
    assert push is not None and "2026-12-04" in push.payload["text"]
    assert f"c:ack:{case.id}" in str(push.payload["buttons"])


async def test_a_liaison_who_reported_the_case_gets_both_pushes(app, clock, cast):
    """Keys name the purpose: the department's task and the reporter's news are two pushes."""
    with unit_of_work(app.engine) as session:
        case = make_case(session, clock.utcnow(), reporter=cast.liaison, group=cast.group,
                         status=CaseStatus.ACCEPTED)
    staff = await bound(app, cast.staff, "8016")
    await _assign(staff, case, cast.department.name, "5")
    await staff.press("确认")
    with unit_of_work(app.engine) as session:
        texts = [row.payload["text"] for row in session.exec(select(OutboxMessage).where(
            OutboxMessage.person_id == cast.liaison.id)).all()]
    assert len(texts) == 2, texts
    assert {text[:6] for text in texts} == {"📌 县住房和", "您反映的问题"}, texts


async def test_deadline_across_national_day(app, clock, cast):
    clock.set(at(2026, 9, 30, 10))
    case = _new_case(app, clock, cast, CaseStatus.ACCEPTED)
    staff = await bound(app, cast.staff, "8011")
    await _assign(staff, case, cast.department.name, "1")  # typed: not among the buttons
    assert "整改时限 1 个工作日（2026-10-08 前）" in staff.text
    await staff.press("确认")
    assert _reload(app, case.id).deadline == datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)


async def test_reassign_to_another_department(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.ACKNOWLEDGED, department=cast.department)
    staff = await bound(app, cast.staff, "8012")
    await _assign(staff, case, cast.other_department.name, "10")
    await staff.press("确认")
    assert f"已交办给 {cast.other_department.name}" in staff.text

    moved = _reload(app, case.id)
    assert moved.status == CaseStatus.ASSIGNED and moved.department_id == cast.other_department.id
    assert moved.acknowledged_at is None
    assert moved.deadline == datetime(2026, 12, 7, 23, 59, 59, tzinfo=SHANGHAI)
    assert ("case.reassign", "acknowledged", "assigned",
            f"{cast.other_department.name} +10") in _audit_actions(app, case.id)
    assert _push(app, f"case:{case.id}:assigned:20261123020000:department:{cast.other_liaison.id}")

    away = _push(app, f"case:{case.id}:reassigned-away:20261123020000:department:{cast.liaison.id}")
    assert away is not None and cast.other_department.name in away.payload["text"]
    old = await bound(app, cast.liaison, "8013")
    await old.press(f"c:upd:{case.id}")
    assert old.text == NOT_ALLOWED
    new = await bound(app, cast.other_liaison, "8014")
    await new.press(f"c:ack:{case.id}")
    assert _reload(app, case.id).status == CaseStatus.ACKNOWLEDGED


async def test_only_staff_assign(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.ACCEPTED)
    leader = await bound(app, cast.leader, "8015")
    await leader.press(f"c:asg:{case.id}")
    assert leader.text == NOT_ALLOWED
    assert conversation_of(app.engine, cast.leader.id) is None


# --- extensions (延期) ---------------------------------------------------------------------

DEADLINE = datetime(2026, 12, 4, 23, 59, 59, tzinfo=SHANGHAI)
REASON = "需协调供电公司更换变压器，工期较长"


async def _request_extension(app, clock, cast, days: str = "5") -> tuple[Case, Extension, Dialog]:
    case = _new_case(app, clock, cast, CaseStatus.ACKNOWLEDGED, department=cast.department,
                     deadline=DEADLINE.astimezone(UTC))
    liaison = await bound(app, cast.liaison, "8020")
    await liaison.press(f"c:ext:{case.id}")
    assert f"问题 {case.number} 申请延期：需要延长几个工作日（最多 30 个）？" in liaison.text
    await liaison.press(f"{days}个工作日")
    assert "请说明延期理由：" in liaison.text
    await liaison.send(REASON)
    assert f"问题 {case.number} 延期 {days} 个工作日的申请已提交" in liaison.text
    with unit_of_work(app.engine) as session:
        request = session.exec(select(Extension).where(Extension.case_id == case.id)).one()
    return case, request, liaison


async def test_extension_request_reaches_staff_and_approval_moves_the_deadline(app, clock, cast):
    case, request, _ = await _request_extension(app, clock, cast)
    assert (request.working_days, request.reason, request.requested_by_id, request.approved) == (
        5, REASON, cast.liaison.id, None)
    assert ("case.extension_requested", None, None, f"+5: {REASON}") in _audit_actions(app, case.id)

    push = _push(app, f"case:{case.id}:extension:{request.id}:staff:{cast.staff.id}")
    assert push is not None and REASON in push.payload["text"]
    assert push.payload["buttons"] == [[["批准延期", f"c:xok:{case.id}:{request.id}"],
                                        ["不批准延期", f"c:xno:{case.id}:{request.id}"]]]

    staff = await bound(app, cast.staff, "8021")
    await staff.press(f"c:xok:{case.id}:{request.id}")
    assert f"已批准问题 {case.number} 的延期" in staff.text
    extended = _reload(app, case.id)
    assert extended.deadline == datetime(2026, 12, 11, 23, 59, 59, tzinfo=SHANGHAI)
    assert extended.status == CaseStatus.ACKNOWLEDGED
    with unit_of_work(app.engine) as session:
        decided = session.get(Extension, request.id)
    assert (decided.approved, decided.decided_by_id) == (True, cast.staff.id)
    assert ("case.extension_approved", None, None, "+5") in _audit_actions(app, case.id)
    key = f"case:{case.id}:extension:{request.id}:approved:department:{cast.liaison.id}"
    told = _push(app, key)
    assert told is not None and "2026-12-11" in told.payload["text"]

    await staff.press(f"c:xno:{case.id}:{request.id}")  # a second decision
    assert f"问题 {case.number} 的这份延期申请已经处理过了。" in staff.text
    await staff.press(f"c:xok:{case.id}:{request.id}")
    assert "已经处理过了" in staff.text
    assert _reload(app, case.id).deadline == extended.deadline
    assert [a for a, *_ in _audit_actions(app, case.id)].count("case.extension_approved") == 1


async def test_a_refused_extension_keeps_the_deadline(app, clock, cast):
    case, request, _ = await _request_extension(app, clock, cast, days="10")
    staff = await bound(app, cast.staff, "8022")
    await staff.press(f"c:xno:{case.id}:{request.id}")
    assert f"问题 {case.number} 的延期申请未批准" in staff.text
    assert _reload(app, case.id).deadline == DEADLINE
    with unit_of_work(app.engine) as session:
        assert session.get(Extension, request.id).approved is False
    assert ("case.extension_refused", None, None, "+10") in _audit_actions(app, case.id)
    assert _push(app, f"case:{case.id}:extension:{request.id}:refused:department:{cast.liaison.id}")


async def test_a_liaison_of_another_department_cannot_request(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.ACKNOWLEDGED, department=cast.department,
                     deadline=DEADLINE.astimezone(UTC))
    other = await bound(app, cast.other_liaison, "8023")
    await other.press(f"c:ext:{case.id}")
    assert other.text == NOT_ALLOWED
    assert conversation_of(app.engine, cast.other_liaison.id) is None
    assert count(app.engine, Extension) == 0


async def test_a_delegate_cannot_decide_an_extension(app, clock, cast):
    case, request, liaison = await _request_extension(app, clock, cast)
    reporter = await bound(app, cast.reporter, "8024")
    await reporter.press(f"c:xok:{case.id}:{request.id}")
    assert reporter.text == NOT_ALLOWED
    await liaison.press(f"c:xok:{case.id}:{request.id}")  # nor the requesting liaison
    assert liaison.text == NOT_ALLOWED
    with unit_of_work(app.engine) as session:
        assert session.get(Extension, request.id).approved is None
    assert _reload(app, case.id).deadline == DEADLINE


async def test_an_extension_id_of_another_case_is_refused(app, clock, cast):
    _, request, _ = await _request_extension(app, clock, cast)
    other = _new_case(app, clock, cast, CaseStatus.ACKNOWLEDGED, department=cast.department,
                      deadline=DEADLINE.astimezone(UTC), description="另一个问题的描述文字足够长")
    staff = await bound(app, cast.staff, "8025")
    await staff.press(f"c:xok:{other.id}:{request.id}")
    assert "这个按钮无法识别" in staff.text
    assert _reload(app, other.id).deadline == DEADLINE
    with unit_of_work(app.engine) as session:
        assert session.get(Extension, request.id).approved is None


# --- verification and its fallback ----------------------------------------------------------


async def test_another_delegate_may_verify_after_three_working_days(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.RECTIFIED, department=cast.department)
    member = await bound(app, cast.member, "8030")

    await member.press(f"c:vs:{case.id}")  # day 1
    assert member.text == NOT_ALLOWED
    clock.set(at(2026, 11, 25, 18))  # Wednesday: two working days later
    await member.press(f"c:vs:{case.id}")
    assert member.text == NOT_ALLOWED
    assert _reload(app, case.id).status == CaseStatus.RECTIFIED

    clock.set(at(2026, 11, 26, 9))  # Thursday: three working days later
    await member.press(f"c:vb:{case.id}")
    assert zh(app)("case.done.closed", number=case.number) in member.text
    closed = _reload(app, case.id)
    assert closed.status == CaseStatus.CLOSED and closed.satisfaction == "basic"
    assert closed.verified_by_id == cast.member.id and closed.closed_at == clock.utcnow()
    assert ("case.confirm", "rectified", "closed", "basic") in _audit_actions(app, case.id)
    await member.send(f"/case {case.number}")  # the timeline shows the verdict in words
    assert f"{cast.member.name}：核实整改，销号 — 基本满意" in member.text


async def test_the_fallback_counts_working_days_not_the_weekend(app, clock, cast):
    clock.set(at(2026, 11, 26, 15))  # rectified on a Thursday
    case = _new_case(app, clock, cast, CaseStatus.RECTIFIED, department=cast.department)
    member = await bound(app, cast.member, "8031")
    clock.set(at(2026, 11, 30, 10))  # Monday: Friday and Monday are two working days
    await member.press(f"c:vs:{case.id}")
    assert member.text == NOT_ALLOWED
    clock.set(at(2026, 12, 1, 10))  # Tuesday: three
    await member.press(f"c:vs:{case.id}")
    assert _reload(app, case.id).satisfaction == "satisfied"


async def test_the_reporter_verifies_at_once(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.RECTIFIED, department=cast.department)
    reporter = await bound(app, cast.reporter, "8032")
    await reporter.press(f"c:vb:{case.id}")
    assert f"问题 {case.number} 已销号" in reporter.text
    closed = _reload(app, case.id)
    assert (closed.status, closed.satisfaction, closed.verified_by_id) == (
        CaseStatus.CLOSED, "basic", cast.reporter.id)
    told = _push(app, f"case:{case.id}:closed:department:{cast.liaison.id}")
    assert told is not None and "基本满意" in told.payload["text"]


async def test_a_delegate_outside_the_group_never_verifies(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.RECTIFIED, department=cast.department)
    outsider = await bound(app, cast.other_leader, "8033")
    clock.set(at(2026, 12, 10, 10))
    await outsider.press(f"c:vs:{case.id}")
    assert outsider.text == NOT_ALLOWED
    assert _reload(app, case.id).status == CaseStatus.RECTIFIED


# --- who may see a case ---------------------------------------------------------------------


def _unrelated_delegate(app, case: Case) -> Person:
    """A delegate sharing no group with the case and not reporting it."""
    with unit_of_work(app.engine) as session:
        in_group = select(Membership.person_id).where(Membership.group_id == case.group_id)
        return session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                            .where(Person.level.is_not(None), Person.id.not_in(in_group))
                            .order_by(Person.id)).first()


async def test_a_delegate_of_an_unrelated_group_cannot_see_the_case(app, clock, cast):
    if "case" not in app.router.commands:
        pytest.skip("/case is not registered in bot/routes.py yet")
    case = _new_case(app, clock, cast)
    outsider = await bound(app, _unrelated_delegate(app, case), "8040")
    await outsider.send(f"/case {case.number}")
    assert outsider.text == f"您无权查看问题 {case.number}。"
    assert case.description not in outsider.text
    with unit_of_work(app.engine) as session:
        assert [e.note for e in audit.entries_by_action(session, "denied")
                if e.subject_id == case.id] == ["view"]
    member = await bound(app, cast.member, "8041")
    await member.send(f"/case {case.number}")
    assert case.description in member.text


async def test_the_view_button_of_the_assignment_push_shows_the_case(app, clock, cast):
    case = _new_case(app, clock, cast, CaseStatus.ASSIGNED, department=cast.department)
    liaison = await bound(app, cast.liaison, "8042")
    await liaison.press(f"c:view:{case.id}")
    assert case.number in liaison.text and case.description in liaison.text


async def test_only_one_extension_request_waits_at_a_time(app, clock, cast):
    case, _, liaison = await _request_extension(app, clock, cast)
    await liaison.press(f"c:ext:{case.id}")
    assert "已有一份延期申请在等待审批" in liaison.text
    assert conversation_of(app.engine, cast.liaison.id) is None


async def test_no_extension_is_approved_once_the_case_is_closed(app, clock, cast):
    case, request, _ = await _request_extension(app, clock, cast)
    with unit_of_work(app.engine) as session:
        closed = session.get(Case, case.id)
        closed.status = CaseStatus.CLOSED
        session.add(closed)
    staff = await bound(app, cast.staff, "8030")
    await staff.press(f"c:xok:{case.id}:{request.id}")
    assert "当前不能申请延期" in staff.text
    assert _reload(app, case.id).deadline == DEADLINE
    with unit_of_work(app.engine) as session:
        assert session.get(Extension, request.id).approved is None


async def test_merge_target_must_be_in_the_same_area(app, clock, cast):
    case = _new_case(app, clock, cast)
    with unit_of_work(app.engine) as session:
        other_area = session.exec(select(Area).where(Area.id != cast.area.id)).first()
        target = make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                           area=other_area)
    leader = await bound(app, cast.leader, "8031")
    await leader.press(f"c:mrgto:{case.id}:{target.id}")
    assert "目标问题已办结或不存在" in leader.text
    assert _reload(app, case.id).status == CaseStatus.SUBMITTED

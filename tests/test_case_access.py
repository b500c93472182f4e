"""Relations that unlock rights: who may merge into, join, and verify a case (combinations)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from storage import audit, cases
from storage.case_models import Case, CaseReporter, CaseStatus
from storage.db import unit_of_work
from storage.models import Group, Membership, Person
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, count
from tests.report_steps import to_preview

NOT_ALLOWED = "抱歉，您没有权限进行这项操作。发送 /help 查看您可以使用的功能。"
LAT, LON = 28.20000, 112.90000
FIFTY_METRES_NORTH = LAT + 0.00045


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _case(app, clock, reporter: Person, group: Group, status=CaseStatus.SUBMITTED,
          **extra) -> Case:
    with unit_of_work(app.engine) as session:
        return make_case(session, clock.utcnow(), reporter=reporter, group=group, status=status,
                         **extra)


def _other_squad(app, cast: Cast) -> tuple[Group, Person]:
    """Another task squad (another area) and an ordinary member of it."""
    with unit_of_work(app.engine) as session:
        group = session.exec(select(Group).where(Group.kind == "task_squad",
                                                 Group.id != cast.group.id)).first()
        member = session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                              .where(Membership.group_id == group.id,
                                     Membership.is_leader.is_(False))).first()
    return group, member


def _outsider(app, cast: Cast) -> Person:
    """A delegate in no group of the case's area, of another township, not in its group."""
    with unit_of_work(app.engine) as session:
        in_area = select(Membership.person_id).join(Group, Group.id == Membership.group_id) \
            .where(Group.area_id == cast.area.id)
        return session.exec(select(Person).join(Membership, Membership.person_id == Person.id)
                            .where(Person.level.is_not(None), Person.id.not_in(in_area),
                                   Person.township != cast.reporter.township)
                            .order_by(Person.id)).first()


def _reporters(app, case_id: int) -> set[int]:
    with unit_of_work(app.engine) as session:
        return {p.id for p in cases.reporters(session, case_id)}


# --- merge ---------------------------------------------------------------------------------


async def test_a_leader_is_offered_only_cases_of_groups_they_lead(app, clock, cast):
    other_group, other_member = _other_squad(app, cast)
    with unit_of_work(app.engine) as session:  # another group's case in the SAME area
        foreign = make_case(session, clock.utcnow(), reporter=other_member, group=other_group,
                            area=cast.area, description="另一小组反映的同领域问题")
    own = _case(app, clock, cast.reporter, cast.group, description="本组的另一个问题，可合并")
    source = _case(app, clock, cast.member, cast.group, description="本组新反映的重复问题")
    leader = await bound(app, cast.leader, "9301")
    await leader.press(f"c:mrg:{source.id}")
    assert leader.labels() == [own.number]
    assert foreign.number not in leader.text


async def test_merge_then_verify_cannot_close_another_groups_case(app, clock, cast):
    """The three-press attack: merge my case into theirs, then verify their fix."""
    other_group, other_member = _other_squad(app, cast)
    with unit_of_work(app.engine) as session:
        theirs = make_case(session, clock.utcnow(), reporter=other_member, group=other_group,
                           area=cast.area, status=CaseStatus.RECTIFIED,
                           department=cast.department, description="他组已整改待确认的问题")
    mine = _case(app, clock, cast.leader, cast.group, description="我组的相似问题描述文字")
    leader = await bound(app, cast.leader, "9302")
    await leader.press(f"c:mrgto:{mine.id}:{theirs.id}")  # a forged or stale button
    assert leader.text == NOT_ALLOWED
    assert cast.leader.id not in _reporters(app, theirs.id)
    await leader.press(f"c:vs:{theirs.id}")
    assert leader.text == NOT_ALLOWED
    with unit_of_work(app.engine) as session:
        assert session.get(Case, theirs.id).status == CaseStatus.RECTIFIED
        assert session.get(Case, mine.id).status == CaseStatus.SUBMITTED


async def test_staff_may_merge_across_groups(app, clock, cast):
    other_group, other_member = _other_squad(app, cast)
    with unit_of_work(app.engine) as session:
        theirs = make_case(session, clock.utcnow(), reporter=other_member, group=other_group,
                           area=cast.area, description="他组反映的问题，工作人员可合并")
    mine = _case(app, clock, cast.reporter, cast.group, description="同一问题的另一份反映")
    staff = await bound(app, cast.staff, "9303")
    await staff.press(f"c:mrg:{mine.id}")
    assert theirs.number in staff.labels()
    await staff.press(theirs.number)
    assert "已合并到" in staff.text
    assert cast.reporter.id in _reporters(app, theirs.id)


# --- joining by location --------------------------------------------------------------------


async def test_an_outsider_near_a_case_sees_its_number_only_and_cannot_join(app, clock, cast):
    case = _case(app, clock, cast.reporter, cast.group, description="青禾大道东段路灯不亮多日")
    with unit_of_work(app.engine) as session:
        stored = session.get(Case, case.id)
        stored.latitude, stored.longitude = LAT, LON
        session.add(stored)
    outsider = _outsider(app, cast)
    dialog = await bound(app, outsider, "9304")
    await to_preview(dialog, cast.area.name_zh, "村口排水沟堵塞，雨后积水严重影响出行",
                     location=(FIFTY_METRES_NORTH, LON))
    await dialog.press("提交")
    assert case.number in dialog.text
    assert "路灯" not in dialog.text, "the case's text is not shown to an outsider"
    assert f"并入 {case.number}" not in dialog.labels()

    await dialog.press(f"f:report:duplicates:join:{case.id}")  # forged
    assert _reporters(app, case.id) == {cast.reporter.id}
    await dialog.press("作为新问题提交")
    assert "✅ 已提交！" in dialog.text
    assert count(app.engine, CaseReporter, CaseReporter.person_id == outsider.id) == 1


async def test_a_member_of_the_areas_squad_may_join(app, clock, cast):
    case = _case(app, clock, cast.reporter, cast.group, description="青禾大道东段路灯不亮多日")
    with unit_of_work(app.engine) as session:
        stored = session.get(Case, case.id)
        stored.latitude, stored.longitude = LAT, LON
        session.add(stored)
    dialog = await bound(app, cast.member, "9305")
    await to_preview(dialog, cast.area.name_zh, "村口排水沟堵塞，雨后积水严重影响出行",
                     location=(FIFTY_METRES_NORTH, LON))
    await dialog.press("提交")
    assert "路灯" in dialog.text
    await dialog.press(f"并入 {case.number}")
    assert _reporters(app, case.id) == {cast.reporter.id, cast.member.id}


# --- verification --------------------------------------------------------------------------


async def test_joining_after_the_fix_does_not_grant_the_verdict(app, clock, cast):
    case = _case(app, clock, cast.reporter, cast.group, CaseStatus.RECTIFIED,
                 department=cast.department)
    clock.advance(minutes=5)
    with unit_of_work(app.engine) as session:
        cases.add_reporter(session, case.id, cast.member.id, cast.group.id, clock.utcnow())
    late = await bound(app, cast.member, "9306")
    await late.press(f"c:vs:{case.id}")
    assert late.text == NOT_ALLOWED
    reporter = await bound(app, cast.reporter, "9307")
    await reporter.press(f"c:vs:{case.id}")
    assert f"问题 {case.number} 已销号" in reporter.text


async def test_a_co_reporter_from_before_the_fix_may_verify(app, clock, cast):
    case = _case(app, clock, cast.reporter, cast.group, CaseStatus.IN_PROGRESS,
                 department=cast.department)
    with unit_of_work(app.engine) as session:
        cases.add_reporter(session, case.id, cast.member.id, cast.group.id, clock.utcnow())
        stored = session.get(Case, case.id)
        stored.status, stored.rectified_at = CaseStatus.RECTIFIED, clock.utcnow() + timedelta(
            minutes=1)
        session.add(stored)
    clock.advance(minutes=2)
    early = await bound(app, cast.member, "9308")
    await early.press(f"c:vb:{case.id}")
    assert f"问题 {case.number} 已销号" in early.text


# --- the timeline shows moves, not refusals -----------------------------------------------


async def test_an_outsiders_presses_stay_out_of_the_reporters_timeline(app, clock, cast):
    case = _case(app, clock, cast.reporter, cast.group, description="青禾大道东段路灯不亮多日")
    outsider = _outsider(app, cast)
    pesky = await bound(app, outsider, "9309")
    for _ in range(20):
        await pesky.press(f"c:acc:{case.id}")
    reporter = await bound(app, cast.reporter, "9310")
    await reporter.send(f"/case {case.number}")
    timeline = reporter.text.split("办理过程")[-1]
    assert outsider.name not in timeline
    assert "case.action" not in reporter.text
    assert len([line for line in timeline.splitlines() if "：" in line]) == 1  # submitted
    with unit_of_work(app.engine) as session:  # staff can still find every refusal
        refused = [e for e in audit.entries_by_action(session, "denied")
                   if e.subject_id == case.id and e.actor_id == outsider.id]
    assert len(refused) == 20

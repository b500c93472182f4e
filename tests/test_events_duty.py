"""The duty record (履职档案), counted from the data: /mystats, a leader's group table, and the
yearly export with one row per delegate sorted by level, township and name, a sheet per group.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from handlers.activities.duty import year_bounds
from handlers.activities.duty_export import LEVEL_ORDER, export_duty
from storage import duty
from storage.activity_models import ActivityAnswer, Answer
from storage.case_models import CaseStatus
from storage.db import unit_of_work
from storage.models import Group, Person
from storage.notice_models import Notice, NoticeRecipient
from tests.event_support import EventCast, event_cast, make_activity
from tests.factories import make_case
from tests.given import bound, zh


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


def _answer(engine, activity_id: int, person_id: int, answer: str, *, came: datetime | None,
            late: bool = False, reason: str = "") -> None:
    with unit_of_work(engine) as session:
        row = session.exec(select(ActivityAnswer).where(
            ActivityAnswer.activity_id == activity_id,
            ActivityAnswer.person_id == person_id)).one()
        row.answer, row.checked_in_at, row.late, row.reason = answer, came, late, reason
        session.add(row)


def _year_of_activities(app, cast, clock) -> Person:
    """Past activities of the leader's group, with one member's answers worked out by hand:
    2 visits attended, 1 no-show, 1 late withdrawal, a meeting on leave, a meeting attended,
    a 3-hour training attended.
    """
    member, group, now = cast.members[0], [cast.group.id], clock.utcnow()
    days = iter(range(40, 1, -3))
    plan = [("inspection", Answer.SIGNED_UP, True), ("survey", Answer.SIGNED_UP, True),
            ("inspection", Answer.SIGNED_UP, False), ("unannounced", Answer.WITHDRAWN, False),
            ("discussion", Answer.LEAVE, False), ("joint_meeting", Answer.SIGNED_UP, True),
            ("training", Answer.SIGNED_UP, True), ("training", Answer.DECLINED, False)]
    for kind, answer, came in plan:
        start = now - timedelta(days=next(days))
        act = make_activity(app.engine, cast.leader, group, start, kind=kind,
                            hours=3 if kind == "training" else 2)
        _answer(app.engine, act.id, member.id, answer, came=start if came else None,
                late=answer == Answer.WITHDRAWN, reason="出差" if answer == Answer.LEAVE else "")
    return member


async def test_the_record_counts_each_kind_of_duty_from_the_data(app, cast, clock):
    member = _year_of_activities(app, cast, clock)
    since, until = year_bounds(2026, app.settings.tz)
    with unit_of_work(app.engine) as session:
        before = duty.records(session, since, until, clock.utcnow(), [member.id]).get(
            member.id, duty.empty())
        for status in (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.REJECTED):
            make_case(session, clock.utcnow(), reporter=member, group=cast.group, status=status)
        for n in range(2):  # two notices, one of them acknowledged (收到)
            notice = Notice(author_id=cast.leader.id, text=f"通知{n}", created_at=clock.utcnow(),
                            audience={"kind": "groups", "values": [cast.group.id]})
            session.add(notice)
            session.flush()
            session.add(NoticeRecipient(notice_id=notice.id, person_id=member.id,
                                        acknowledged_at=clock.utcnow() if n else None))
    with unit_of_work(app.engine) as session:
        record = duty.records(session, since, until, clock.utcnow(), [member.id])[member.id]
    assert record == {**duty.empty(), "cases_reported": before["cases_reported"] + 3,
                      "cases_accepted": before["cases_accepted"] + 1, "inspections": 2,
                      "meetings": 1, "leaves": 1, "trainings": 1, "training_hours": 3.0,
                      "late_withdrawals": 1, "no_shows": 1, "notices_acknowledged": 1}


async def test_mystats_shows_ones_own_record_and_a_leader_their_groups_table(app, cast, clock):
    member = _year_of_activities(app, cast, clock)
    dialog = await bound(app, member, "8401")
    await dialog.send("/mystats")
    assert f"2026年履职档案：{member.name}" in dialog.text
    assert "视察调研 2 次" in dialog.text and "培训 1 次，3.0 小时" in dialog.text
    assert "截止后退出 1 次，报名未到 1 次" in dialog.text
    assert dialog.labels() == []
    leader = await bound(app, cast.leader, "8402")
    await leader.send("/mystats")
    await leader.press(f"小组履职表：{cast.group.name}")
    assert f"{member.name}：" in leader.text and " · 2 · 1/1 · 1/3.0 · 0 · 1 · 1" in leader.text
    other = await bound(app, cast.other_leader, "8403")
    await other.press(f"duty:{cast.group.id}")
    assert other.text == zh(app)("common.not_allowed")


async def test_the_export_lists_every_delegate_in_office_order_with_a_sheet_per_group(
        app, cast, clock, tmp_path):
    member = _year_of_activities(app, cast, clock)
    out = tmp_path / "duty.xlsx"
    with unit_of_work(app.engine) as session:
        count = export_duty(session, out, 2026, clock.utcnow(), app.settings.tz, "zh_CN")
        delegates = session.exec(select(Person).where(Person.level.is_not(None),
                                                      Person.active)).all()
        groups = session.exec(select(Group)).all()
    book = load_workbook(out, read_only=True)
    assert count == len(delegates) and len(book.sheetnames) == 1 + len(groups)
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "代表层级", "乡镇", "小组", "反映问题")
    assert {r[0] for r in rows[1:]} == {p.name for p in delegates}
    by_label = {zh(app)(f"level.{level}"): n for level, n in LEVEL_ORDER.items()}
    order = [(by_label[r[1]], r[2] or "", r[0]) for r in rows[1:]]
    assert order == sorted(order)
    mine = next(r for r in rows[1:] if r[0] == member.name)
    assert mine[6:] == (2, 1, 1, 1, 3, 0, 1, 1, 0)
    group_rows = list(book[cast.group.name].iter_rows(values_only=True))
    assert member.name in {r[0] for r in group_rows[1:]}
    assert len(group_rows) - 1 == len([p for p in [*cast.members, cast.leader] if p.level])

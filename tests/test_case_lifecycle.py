"""A case walks through every state on the dialog level, with every refusal on the way."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage import audit
from storage.case_models import Case, CaseMedia, CaseStatus
from storage.demo import DEMO_STAFF_PHONE
from storage.models import Area, Department, Invite, OutboxMessage, Person
from tests.factories import demo_reporter, leader_of, liaison_of
from tests.images import jpeg_bytes
from tests.support import Dialog

DESCRIPTION = "青禾大道东段路灯连续两周不亮，夜间行人安全隐患大"


def _code(engine, person_id: int) -> str:
    from storage.db import unit_of_work

    with unit_of_work(engine) as session:
        return session.exec(select(Invite.code).where(Invite.person_id == person_id)).first()


@pytest.fixture
def cast(app, demo):
    """Reporter, leader, staff, the liaison of the first department, another liaison: bound."""
    from storage.db import unit_of_work

    with unit_of_work(app.engine) as session:
        reporter, group = demo_reporter(session)
        leader = leader_of(session, group)
        staff = session.exec(select(Person).where(Person.phone == DEMO_STAFF_PHONE)).one()
        departments = session.exec(select(Department).order_by(Department.id)).all()
        liaison, other = liaison_of(session, departments[0]), liaison_of(session, departments[1])
        area = session.get(Area, group.area_id)
        people = {"reporter": reporter, "leader": leader, "staff": staff, "liaison": liaison,
                  "other_liaison": other}
        info = {"area": area.name_zh, "department": departments[0].name,
                "township": reporter.township}
    return people, info


async def _bound(app, person, user_id: str) -> Dialog:
    dialog = Dialog(app, user_id=user_id)
    await dialog.send(f"/start {_code(app.engine, person.id)}")
    assert person.name in dialog.text
    return dialog


async def _report(reporter: Dialog, area: str, township: str) -> str:
    await reporter.send("/report")
    await reporter.press(area)
    await reporter.send(DESCRIPTION)
    await reporter.send_photo(jpeg_bytes())
    assert "1/9" in reporter.text
    await reporter.press("完成")
    await reporter.send("青禾大道东段128号")
    await reporter.press(f"使用：{township}")
    assert "请核对" in reporter.text and DESCRIPTION in reporter.text
    await reporter.press("提交")
    assert "已提交" in reporter.text
    return reporter.text.split("问题编号 ")[1].split("。")[0]


def _case(app, number: str) -> Case:
    from storage.db import unit_of_work

    with unit_of_work(app.engine) as session:
        return session.exec(select(Case).where(Case.number == number)).one()


async def test_case_walks_every_state(app, cast):
    people, info = cast
    d = {role: await _bound(app, person, str(9000 + i))
         for i, (role, person) in enumerate(people.items())}
    number = await _report(d["reporter"], info["area"], info["township"])
    case = _case(app, number)
    assert case.status == CaseStatus.SUBMITTED and number.startswith("2026-")

    await d["leader"].press(f"c:acc:{case.id}")
    assert "已受理" in d["leader"].text

    await d["staff"].press(f"c:asg:{case.id}")
    await d["staff"].press(info["department"])
    await d["staff"].press(d["staff"].labels()[0])
    await d["staff"].press("确认")
    assert "已交办" in d["staff"].text and _case(app, number).deadline is not None

    await d["liaison"].press(f"c:ack:{case.id}")
    assert _case(app, number).status == CaseStatus.ACKNOWLEDGED
    await d["liaison"].press(f"c:upd:{case.id}")
    await d["liaison"].send("已联系供电所，正在更换线路")
    await d["liaison"].press("完成")
    assert _case(app, number).status == CaseStatus.IN_PROGRESS

    await d["liaison"].press(f"c:fix:{case.id}")
    await d["liaison"].send("已更换全部灯具")
    await d["liaison"].press("完成")
    assert "至少一张照片" in d["liaison"].text
    await d["liaison"].send_photo(jpeg_bytes((20, 200, 20)))
    await d["liaison"].press("完成")
    assert _case(app, number).status == CaseStatus.RECTIFIED

    await d["reporter"].press(f"c:vd:{case.id}")
    assert "哪里不满意" in d["reporter"].text
    assert _case(app, number).status == CaseStatus.RECTIFIED  # nothing moves before the reason
    await d["reporter"].send("不行")
    assert "至少写 4 个字" in d["reporter"].text
    await d["reporter"].send("东段仍有三盏路灯不亮")
    reopened = _case(app, number)
    assert reopened.status == CaseStatus.IN_PROGRESS and reopened.reopen_count == 1
    assert reopened.satisfaction == "dissatisfied"

    await d["liaison"].press(f"c:fix:{case.id}")
    await d["liaison"].send("已再次检修并加装定时器")
    await d["liaison"].send_photo(jpeg_bytes((20, 20, 200)))
    await d["liaison"].press("完成")
    await d["reporter"].press(f"c:vs:{case.id}")
    closed = _case(app, number)
    assert closed.status == CaseStatus.CLOSED and closed.satisfaction == "satisfied"
    assert closed.closed_at is not None

    from storage.db import unit_of_work

    with unit_of_work(app.engine) as session:
        moves = [(e.action, e.to_state) for e in audit.entries_for(session, "case", case.id)]
        kinds = sorted(m.kind for m in session.exec(
            select(CaseMedia).where(CaseMedia.case_id == case.id)))
        leader_push = session.exec(select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"case:{case.id}:submitted:leader:{people['leader'].id}"
        )).first()
    assert ("case.reopen", "in_progress") in moves
    with unit_of_work(app.engine) as session:
        reason = [e.note for e in audit.entries_for(session, "case", case.id)
                  if e.action == "case.reopen"]
        told = session.exec(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"case:{case.id}:reopened:1:department:%"))).first()
    assert reason == ["东段仍有三盏路灯不亮"]
    assert "不满意理由：东段仍有三盏路灯不亮" in told.payload["text"]
    assert [a for a, _ in moves] == [
        "case.submitted", "case.accept", "case.assign", "case.acknowledge", "case.progress",
        "case.rectify", "case.reopen", "case.rectify", "case.confirm"]
    assert moves[-1][1] == "closed"
    assert kinds == ["evidence", "evidence", "photo"]
    assert leader_push is not None and "c:acc:" in str(leader_push.payload["buttons"])


async def test_refusals_on_the_way(app, cast):
    people, info = cast
    d = {role: await _bound(app, person, str(9100 + i))
         for i, (role, person) in enumerate(people.items())}
    number = await _report(d["reporter"], info["area"], info["township"])
    case = _case(app, number)

    await d["reporter"].press(f"c:acc:{case.id}")
    assert "没有权限" in d["reporter"].text
    await d["leader"].press(f"c:asg:{case.id}")
    assert "没有权限" in d["leader"].text
    await d["staff"].press(f"c:ack:{case.id}")
    assert "没有权限" in d["staff"].text

    await d["staff"].press(f"c:acc:{case.id}")
    await d["leader"].press(f"c:acc:{case.id}")  # double tap by someone else
    assert "不能进行这项操作" in d["leader"].text

    await d["staff"].press(f"c:asg:{case.id}")
    await d["staff"].press(info["department"])
    await d["staff"].press(d["staff"].labels()[0])
    await d["staff"].press("确认")
    await d["other_liaison"].press(f"c:ack:{case.id}")
    assert "没有权限" in d["other_liaison"].text
    await d["reporter"].press(f"c:vs:{case.id}")
    assert "没有权限" not in d["reporter"].text and "不能进行这项操作" in d["reporter"].text
    await d["reporter"].press("c:acc:999999")
    assert "无法识别" in d["reporter"].text

    from storage.db import unit_of_work

    with unit_of_work(app.engine) as session:
        denied = [e for e in audit.entries_by_action(session, "denied") if e.subject_id == case.id]
        assert len(denied) == 4
        assert session.get(Case, case.id).status == CaseStatus.ASSIGNED

"""Scenario 1 on every channel: a case from /report (photo, location) to 销号 across the
delegate, the squad leader, the office staff and the department's liaison.
"""

from __future__ import annotations

from sqlmodel import select

from storage.case_models import CaseMedia, CaseStatus
from storage.db import unit_of_work
from tests.factories import make_case, make_cast
from tests.images import jpeg_bytes
from tests.test_telegram_cases import DESCRIPTION, LATITUDE, LONGITUDE, the_case


async def test_a_case_from_report_to_closing(driver, engine):
    cast = make_cast(engine)
    reporter, leader, staff, liaison = cast.reporter, cast.leader, cast.staff, cast.liaison
    labels = {"area": cast.area.name_zh, "department": cast.department.name,
              "township": reporter.township}
    await driver.meet(reporter, leader, staff, liaison)

    # the delegate reports: area, description, a photo, the place, the township, submit
    await driver.as_person(reporter.phone)
    assert "第1步" in await driver.send("/report")
    assert "第2步" in await driver.press(labels["area"])
    assert "第3步" in await driver.send(DESCRIPTION)
    assert "1/9" in await driver.send_photo(jpeg_bytes())
    assert "第4步" in await driver.press("完成")
    if driver.shares_location:
        assert "第5步" in await driver.share_location(LATITUDE, LONGITUDE)
    else:
        assert "第5步" in await driver.send("跳过")
    preview = await driver.press(f"使用：{labels['township']}")
    assert "请核对" in preview and DESCRIPTION in preview
    assert "已提交" in await driver.press("提交")
    case = the_case(engine)
    assert case.status == CaseStatus.SUBMITTED
    located = (LATITUDE, LONGITUDE) if driver.shares_location else (None, None)
    assert (case.latitude, case.longitude) == located
    with unit_of_work(engine) as session:
        assert [m.kind for m in session.exec(select(CaseMedia).where(
            CaseMedia.case_id == case.id)).all()] == ["photo"]

    # the squad leader is told, and accepts from the push
    assert case.number in await driver.pushes_for(leader)
    await driver.as_person(leader.phone)
    assert "已受理" in await driver.press("受理")
    assert the_case(engine, case.id).status == CaseStatus.ACCEPTED

    # the office assigns it to a department with a deadline
    assert case.number in await driver.pushes_for(staff)
    await driver.as_person(staff.phone)
    await driver.press("交办")
    await driver.press(labels["department"])
    deadline = next(label for label in driver.labels() if "个工作日" in label)
    assert "请确认" in await driver.press(deadline)
    assert "已交办" in await driver.press("确认")
    assert the_case(engine, case.id).status == CaseStatus.ASSIGNED

    # the liaison acknowledges and reports the fix with an evidence photo
    assert case.number in await driver.pushes_for(liaison)
    await driver.as_person(liaison.phone)
    await driver.press("签收")
    assert the_case(engine, case.id).status == CaseStatus.ACKNOWLEDGED
    await driver.press("整改完成")
    await driver.send("已更换全部灯具")
    assert "1/9" in await driver.send_photo(jpeg_bytes((20, 200, 20)))
    assert "整改完成" in await driver.press("完成")
    assert the_case(engine, case.id).status == CaseStatus.RECTIFIED

    # the delegate is asked, is satisfied: 销号
    assert case.number in await driver.pushes_for(reporter)
    await driver.as_person(reporter.phone)
    assert "已销号" in await driver.press("满意")
    assert the_case(engine, case.id).status == CaseStatus.CLOSED


async def test_a_button_from_a_step_already_left_is_refused_politely(driver, engine, clock):
    cast = make_cast(engine)
    with unit_of_work(engine) as session:
        number = make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                           status=CaseStatus.ACCEPTED).number
    await driver.as_person(cast.staff.phone)
    await driver.send(f"/case {number}")
    await driver.press("交办")
    assert "整改时限" in await driver.press(cast.department.name)
    other = cast.other_department.name
    if other not in driver.labels():
        return  # the console numbers only the latest answer's buttons: nothing stale to press
    assert "这个按钮已经失效" in await driver.press(other)
    assert the_case(engine).status == CaseStatus.ACCEPTED
    assert "请确认" in await driver.press("10个工作日（2026-12-07）")  # the dialog goes on

"""Scenario 7 on every channel: a department's liaison asks for more time on a case, the
office staff approve it from the push, and the liaison is told the new deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from storage.case_models import CaseStatus, Extension
from storage.db import unit_of_work
from tests.factories import make_case, make_cast

DEADLINE = datetime(2026, 11, 27, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Friday
REASON = "需协调供电公司更换变压器，工期较长"


async def test_an_extension_is_asked_for_and_approved(driver, engine, clock):
    cast = make_cast(engine)
    with unit_of_work(engine) as session:
        case = make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                         status=CaseStatus.ACKNOWLEDGED, department=cast.department,
                         deadline=DEADLINE.astimezone(UTC))
        number = case.number
    await driver.meet(cast.liaison, cast.staff)

    await driver.as_person(cast.liaison.phone)
    assert number in await driver.send(f"/case {number}")
    assert "几个工作日" in await driver.press("申请延期")
    assert "理由" in await driver.press("5个工作日")
    assert "已提交" in await driver.send(REASON)

    assert REASON in await driver.pushes_for(cast.staff)
    await driver.as_person(cast.staff.phone)
    assert "已批准" in await driver.press("批准延期")
    with unit_of_work(engine) as session:
        [request] = session.exec(select(Extension)).all()
        assert (request.approved, request.working_days) == (True, 5)

    # five working days after Friday the 27th: Monday 30th to Friday 4 December
    told = await driver.pushes_for(cast.liaison)
    assert "延期 5 个工作日已批准" in told and "新的整改时限 2026-12-04" in told

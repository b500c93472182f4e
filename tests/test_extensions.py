"""Extensions: one pending at a time (checked when saved, kept by the database), and capped."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.case_models import Case, CaseStatus, Extension
from storage.db import unit_of_work
from storage.models import Liaison
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, conversation_of, count, zh

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2026, 11, 6, 23, 59, 59, tzinfo=SHANGHAI)  # a Friday
REASON = "需协调供电公司更换变压器，工期较长"


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


@pytest.fixture
def case(app, clock, cast) -> Case:
    with unit_of_work(app.engine) as session:
        return make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                         status=CaseStatus.ACKNOWLEDGED, department=cast.department,
                         deadline=DEADLINE.astimezone(UTC))


async def _ask(dialog, case: Case, days: str, reason: str = REASON) -> None:
    await dialog.press(f"c:ext:{case.id}")
    await dialog.send(days)
    await dialog.send(reason)


async def test_two_liaisons_asking_at_once_leave_one_request_pending(app, cast, case):
    with unit_of_work(app.engine) as session:
        session.add(Liaison(person_id=cast.other_liaison.id, department_id=cast.department.id))
    first = await bound(app, cast.liaison, "9501")
    second = await bound(app, cast.other_liaison, "9502")
    for liaison in (first, second):  # both open the dialog before either saves
        await liaison.press(f"c:ext:{case.id}")
        await liaison.send("5")
    await first.send(REASON)
    assert "申请已提交" in first.text
    await second.send(REASON)
    assert "已有一份延期申请在等待审批" in second.text
    assert count(app.engine, Extension, Extension.case_id == case.id) == 1
    assert conversation_of(app.engine, cast.other_liaison.id) is None


def test_the_database_refuses_a_second_pending_request(app, clock, cast, case):
    with unit_of_work(app.engine) as session:
        session.add(Extension(case_id=case.id, requested_by_id=cast.liaison.id, working_days=3,
                              reason="一", requested_at=clock.utcnow()))
    with pytest.raises(IntegrityError), unit_of_work(app.engine) as session:
        session.add(Extension(case_id=case.id, requested_by_id=cast.liaison.id, working_days=3,
                              reason="二", requested_at=clock.utcnow()))
    with unit_of_work(app.engine) as session:  # a decided request does not block a new one
        first = session.exec(select(Extension).where(Extension.case_id == case.id)).one()
        first.approved = False
        session.add(Extension(case_id=case.id, requested_by_id=cast.liaison.id, working_days=3,
                              reason="三", requested_at=clock.utcnow()))


async def _approve_all(app, cast: Cast, case: Case, staff) -> None:
    with unit_of_work(app.engine) as session:
        pending = session.exec(select(Extension).where(Extension.case_id == case.id,
                                                       Extension.approved.is_(None))).all()
    for request in pending:
        await staff.press(f"c:xok:{case.id}:{request.id}")
        assert "已批准" in staff.text


async def test_extensions_stop_at_the_cap_in_number_and_in_days(app, cast, case):
    liaison = await bound(app, cast.liaison, "9503")
    staff = await bound(app, cast.staff, "9504")
    await _ask(liaison, case, "15")
    await _approve_all(app, cast, case, staff)
    await _ask(liaison, case, "20")  # 15 + 20 > 30
    assert "1–15 之间" in liaison.text
    await liaison.send("10")
    await liaison.send(REASON)
    await _approve_all(app, cast, case, staff)
    await liaison.press(f"c:ext:{case.id}")
    assert "最多 5 个" in liaison.text
    assert liaison.labels() == ["3个工作日", "5个工作日"]
    await liaison.press("5个工作日")
    await liaison.send(REASON)
    await _approve_all(app, cast, case, staff)

    await liaison.press(f"c:ext:{case.id}")  # three requests, 30 days: the cap
    assert "延期已达上限（最多 3 次、共 30 个工作日）" in liaison.text
    assert conversation_of(app.engine, cast.liaison.id) is None
    with unit_of_work(app.engine) as session:
        moved = session.get(Case, case.id).deadline
    assert moved.astimezone(SHANGHAI).date().isoformat() == "2026-12-18"  # 30 working days later


async def test_refused_requests_do_not_count(app, cast, case, settings):
    settings.extension_max_requests = 1
    liaison = await bound(app, cast.liaison, "9505")
    staff = await bound(app, cast.staff, "9506")
    await _ask(liaison, case, "5")
    with unit_of_work(app.engine) as session:
        request = session.exec(select(Extension).where(Extension.case_id == case.id)).one()
    await staff.press(f"c:xno:{case.id}:{request.id}")
    await _ask(liaison, case, "5")
    assert "申请已提交" in liaison.text


async def test_an_extension_reason_needs_as_many_characters_as_any_other_reason(app, cast, case):
    """Like a 不予受理 or a 不满意 reason: at least MIN_REASON characters, else asked again."""
    from handlers.cases.action_flows import MIN_REASON

    assert MIN_REASON == 4
    liaison = await bound(app, cast.liaison, "9507")
    await _ask(liaison, case, "5", reason="工期")
    assert liaison.text == zh(app)("casenote.reason_too_short", min=MIN_REASON)
    assert conversation_of(app.engine, cast.liaison.id).state == "reason"
    assert count(app.engine, Extension, Extension.case_id == case.id) == 0

    await liaison.send("设备到货")  # four characters: enough
    assert zh(app)("extension.requested", number=case.number, days=5) in liaison.text
    with unit_of_work(app.engine) as session:
        saved = session.exec(select(Extension).where(Extension.case_id == case.id)).one()
    assert (saved.working_days, saved.reason) == (5, "设备到货")

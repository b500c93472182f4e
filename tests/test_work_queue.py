"""Staff's one work queue (/inbox) and /case offering the moves the viewer may make now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.case_models import CaseStatus, Extension
from storage.db import unit_of_work
from storage.models import OutboxMessage
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, count, zh

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


def _case(app, when, cast: Cast, status: CaseStatus, **extra):
    with unit_of_work(app.engine) as session:
        return make_case(session, when, reporter=cast.reporter, group=cast.group, status=status,
                         **extra)


def _extension(app, cast: Cast, case, when) -> Extension:
    with unit_of_work(app.engine) as session:
        request = Extension(case_id=case.id, requested_by_id=cast.liaison.id, working_days=5,
                            reason="需协调供电公司更换变压器", requested_at=when)
        session.add(request)
        session.flush()
        return request


async def test_staff_inbox_holds_every_kind_of_work_with_its_buttons(app, clock, cast):
    now, t = clock.utcnow(), zh(app)
    submitted = _case(app, now, cast, CaseStatus.SUBMITTED)
    accepted = _case(app, now, cast, CaseStatus.ACCEPTED)
    extended = _case(app, now, cast, CaseStatus.IN_PROGRESS, department=cast.department)
    request = _extension(app, cast, extended, now)
    week_ago = datetime(2026, 11, 16, 10, tzinfo=SHANGHAI).astimezone(UTC)  # 5 working days
    stale = _case(app, week_ago, cast, CaseStatus.RECTIFIED, department=cast.department)
    fresh = _case(app, now - timedelta(hours=2), cast, CaseStatus.RECTIFIED,
                  department=cast.department)
    staff = await bound(app, cast.staff, "9901")
    await staff.send("/inbox")
    heads = [reply.text.splitlines()[0] for reply in staff.last]
    assert heads == [t("views.inbox.triage"), t("views.inbox.assign"),
                     t("views.inbox.extensions"), t("views.inbox.unverified", days=3)]
    assert f"{extended.number} 申请延期 5 个工作日：需协调供电公司更换变压器" in staff.text
    assert staff.payload_of(t("case.button.xok")) == f"c:xok:{extended.id}:{request.id}"
    assert stale.number in staff.last[3].text and fresh.number not in staff.text
    assert staff.payload_of(t("case.button.rmd")) == f"c:rmd:{stale.id}"
    assert submitted.number in staff.last[0].text and accepted.number in staff.last[1].text

    await staff.press(t("case.button.xok"))
    assert f"已批准问题 {extended.number} 的延期" in staff.text


async def test_case_offers_staff_the_extension_decision_and_reassignment(app, clock, cast):
    now, t = clock.utcnow(), zh(app)
    case = _case(app, now, cast, CaseStatus.ACKNOWLEDGED, department=cast.department)
    request = _extension(app, cast, case, now)
    staff = await bound(app, cast.staff, "9902")
    await staff.send(f"/case {case.number}")
    assert staff.payload_of(t("case.button.xok")) == f"c:xok:{case.id}:{request.id}"
    assert staff.payload_of(t("case.button.xno")) == f"c:xno:{case.id}:{request.id}"
    assert staff.payload_of(t("case.button.rsg")) == f"c:rsg:{case.id}"
    liaison = await bound(app, cast.liaison, "9903")
    await liaison.send(f"/case {case.number}")
    assert liaison.labels() == [t("case.button.upd"), t("case.button.fix"), t("case.button.ext")]


async def test_a_nudge_asks_everyone_who_may_verify_once_a_day(app, clock, cast):
    week_ago = datetime(2026, 11, 16, 10, tzinfo=SHANGHAI).astimezone(UTC)
    case = _case(app, week_ago, cast, CaseStatus.RECTIFIED, department=cast.department)
    delegate = await bound(app, cast.member, "9904")
    await delegate.press(f"c:rmd:{case.id}")
    assert delegate.text == zh(app)("common.not_allowed")
    leader = await bound(app, cast.leader, "9905")
    await leader.press(f"c:rmd:{case.id}")
    assert f"位代表核实问题 {case.number}" in leader.text
    nudges = count(app.engine, OutboxMessage,
                   OutboxMessage.dedupe_key.like(f"case:{case.id}:verify-nudge:%"))
    assert nudges > 1
    await leader.press(f"c:rmd:{case.id}")  # the same day again: nobody is asked twice
    assert count(app.engine, OutboxMessage,
                 OutboxMessage.dedupe_key.like(f"case:{case.id}:verify-nudge:%")) == nudges

"""Numbers that are not numbers: superscripts, huge, signed; each gets a clear answer, no trace."""

from __future__ import annotations

import logging

import pytest

from storage.case_models import CaseStatus
from storage.db import unit_of_work
from tests.factories import Cast, make_case, make_cast
from tests.given import bound, conversation_of, zh


@pytest.fixture
def cast(app, demo) -> Cast:
    return make_cast(app.engine)


@pytest.fixture
def no_tracebacks(caplog):
    caplog.set_level(logging.INFO)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == []


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize("number", ["9999999999999999999999999", "²", "2026-²", "-1", "0"])
async def test_case_with_a_strange_number_is_not_found(app, clock, cast, number):
    with unit_of_work(app.engine) as session:
        make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group)
        make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group)
    staff = await bound(app, cast.staff, "9401")
    await staff.send(f"/case {number}")
    assert "没有找到编号为" in staff.text


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize("payload", ["c:view:²", "c:view:99999999999999999999", "c:acc:-1",
                                     "c:mrgto:1:²", "c:xok:1:²"])
async def test_a_button_with_a_strange_number_is_unknown(app, clock, cast, payload):
    with unit_of_work(app.engine) as session:
        make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group)
    staff = await bound(app, cast.staff, "9402")
    await staff.press(payload)
    assert staff.text in (zh(app)("common.button_unknown"), zh(app)("case.merge_bad_target"))


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize("days", ["²", "٣", "99999999999999999999", "-5", "61"])
async def test_extension_days_that_are_not_a_number_are_asked_again(app, clock, cast, days):
    with unit_of_work(app.engine) as session:
        case = make_case(session, clock.utcnow(), reporter=cast.reporter, group=cast.group,
                         status=CaseStatus.ACKNOWLEDGED, department=cast.department)
    liaison = await bound(app, cast.liaison, "9403")
    await liaison.press(f"c:ext:{case.id}")
    await liaison.send(days)
    assert "之间的工作日数" in liaison.text
    assert conversation_of(app.engine, cast.liaison.id).state == "days"
    await liaison.send("３天")
    assert "请说明延期理由" in liaison.text

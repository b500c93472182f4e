"""Red-team regressions for activities: combinations of allowed moves (deactivation, roster
changes) that must not leave a stranger holding a seat or seeing an unannounced visit.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import delete

from schedules.activities import run_event_reminders
from storage import activities
from storage.activity_models import Answer
from storage.db import unit_of_work
from storage.models import Membership, Person
from storage.revocation import deactivate
from tests.event_support import (
    EventCast,
    activity,
    answers,
    event_cast,
    keys,
    make_activity,
    members_bound,
)
from tests.given import bound


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


async def _deactivate_by_staff(app, cast: EventCast, person: Person) -> None:
    office = await bound(app, cast.staff, "9109")
    await office.send(f"/deactivate {person.phone}")
    await office.press("确认停用")
    assert f"已停用 {person.name}" in office.text


async def test_a_deactivated_person_waiting_is_skipped_when_a_seat_frees(app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, capacity=1)
    first, second, third = await members_bound(app, cast, 3, 9101)
    for dialog in (first, second, third):
        await dialog.press(f"ev:yes:{act.id}")
        clock.advance(minutes=1)
    with unit_of_work(app.engine) as session:  # directly: no release of holds on the way
        deactivate(session, session.get(Person, cast.members[1].id), clock.utcnow(), None)
    await first.press(f"ev:no:{act.id}")
    rows = answers(app.engine, act.id)
    assert rows[cast.members[1].id].answer == Answer.WAITLISTED  # a stranger now: not seated
    assert rows[cast.members[2].id].answer == Answer.SIGNED_UP
    assert keys(app.engine, f"event:{act.id}:promoted:") == [
        f"event:{act.id}:promoted:1:{cast.members[2].id}"]


async def test_deactivating_gives_up_the_seat_to_the_first_waiting(app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, capacity=1)
    first, second = await members_bound(app, cast, 2, 9201)
    await first.press(f"ev:yes:{act.id}")
    clock.advance(minutes=1)
    await second.press(f"ev:yes:{act.id}")
    await _deactivate_by_staff(app, cast, cast.members[0])
    rows = answers(app.engine, act.id)
    assert rows[cast.members[0].id].answer == Answer.WITHDRAWN
    assert not rows[cast.members[0].id].late
    assert rows[cast.members[1].id].answer == Answer.SIGNED_UP
    assert activity(app.engine, act.id).signed_up == 1
    assert keys(app.engine, f"event:{act.id}:promoted:") == [
        f"event:{act.id}:promoted:1:{cast.members[1].id}"]


async def test_deactivating_leaves_past_activities_as_they_were(app, cast, clock):
    start = clock.utcnow() + timedelta(hours=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, capacity=3)
    (first,) = await members_bound(app, cast, 1, 9301)
    await first.press(f"ev:yes:{act.id}")
    clock.advance(hours=5)  # over: the attendance record stays
    await _deactivate_by_staff(app, cast, cast.members[0])
    assert answers(app.engine, act.id)[cast.members[0].id].answer == Answer.SIGNED_UP
    assert activity(app.engine, act.id).signed_up == 1


def _leave_group(engine, person: Person, group_id: int) -> None:
    """What a roster sync does when the office moves someone out of a group."""
    with unit_of_work(engine) as session:
        session.execute(delete(Membership).where(Membership.person_id == person.id,
                                                 Membership.group_id == group_id))


async def test_someone_taken_out_of_the_group_no_longer_sees_its_unannounced_visit(
        app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, kind="unannounced")
    stays, leaves = await members_bound(app, cast, 2, 9401)
    _leave_group(app.engine, cast.members[1], cast.group.id)
    await leaves.send("/events")
    assert "专题视察" not in leaves.text
    await leaves.send("/agenda")
    assert "专题视察" not in leaves.text
    for code in ("show", "yes", "logv"):
        await leaves.press(f"ev:{code}:{act.id}")
        assert "专题视察" not in leaves.text and "已报名" not in leaves.text
    assert answers(app.engine, act.id)[cast.members[1].id].answer == Answer.NONE
    await stays.send("/events")
    assert "专题视察" in stays.text


async def test_someone_taken_out_of_the_group_gets_no_more_reminders(app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start)
    stays, leaves = await members_bound(app, cast, 2, 9501)
    for dialog in (stays, leaves):
        await dialog.press(f"ev:yes:{act.id}")
    _leave_group(app.engine, cast.members[1], cast.group.id)
    clock.set(start - timedelta(hours=23))
    assert run_event_reminders(app.engine, app.services) == 1
    assert [k.rsplit(":", 1)[1] for k in keys(app.engine, f"event:{act.id}:remind:")] == [
        str(cast.members[0].id)]


async def test_a_person_invited_by_name_stays_invited_outside_the_group(app, cast, clock):
    start = clock.utcnow() + timedelta(days=2)
    act = make_activity(app.engine, cast.leader, [cast.group.id], start, kind="unannounced")
    with unit_of_work(app.engine) as session:
        activities.invite_person(session, act.id, cast.members[0].id)
    (named,) = await members_bound(app, cast, 1, 9601)
    _leave_group(app.engine, cast.members[0], cast.group.id)
    await named.press(f"ev:yes:{act.id}")
    assert "您已报名" in named.text


async def test_an_excel_sheet_with_a_merged_title_row_imports_and_names_rows_rightly(
        app, cast, tmp_path):
    from openpyxl import Workbook

    from handlers.activities.importing import COLUMNS, import_activities
    from storage.roster_problems import RosterError

    def sheet(path, rows) -> None:
        book = Workbook()
        table = book.active
        table.append(["2026年11月代表小组活动安排表"])
        table.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
        table.append(list(COLUMNS))
        for row in rows:
            table.append(row)
        book.save(path)

    good = ["视察", "河道整治现场视察", "11月25日 09:30", "11月25日 11:30", "青石镇河道", 8, None,
            cast.leader.phone, cast.group.name, ""]
    path = tmp_path / "titled.xlsx"
    sheet(path, [good])
    with unit_of_work(app.engine) as session:
        assert import_activities(session, app.services, path) == 1
    bad = tmp_path / "titled_bad.xlsx"
    sheet(bad, [good, [*good[:5], 0, *good[6:]]])
    with unit_of_work(app.engine) as session, pytest.raises(RosterError) as raised:
        import_activities(session, app.services, bad)
    assert [p.row for p in raised.value.problems] == [4]  # title 1, header 2, rows 3 and 4

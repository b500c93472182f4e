"""Overdue as an office reads it: to the fix once rectified, to now while with the department."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.demo_cases import load_demo_cases
from handlers.cases import views
from handlers.cases.case_export import export_cases
from handlers.cases.render import days_overdue, overdue_days
from storage import case_stats
from storage.case_models import Case, CaseStatus
from storage.db import unit_of_work
from storage.models import Department, Role
from tests.factories import demo_reporter, liaison_of, make_case
from tests.given import bound, the_staff, zh

pytestmark = pytest.mark.usefixtures("demo", "view_routes")
SHANGHAI = ZoneInfo("Asia/Shanghai")
OVERDUE_COLUMN = 10  # 逾期天数 in the 问题清单 sheet


@pytest.fixture
def view_routes(app) -> None:
    """/case, /tasks and /export as bot/routes.py wires them (kept if already wired)."""
    for name, handler, roles in (("case", views.case_detail, ()),
                                 ("tasks", views.tasks, (Role.LIAISON,))):
        if name not in app.router.commands:
            app.router.command(name, handler, *roles, help_key=f"help.{name}")


def _shanghai(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0):
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


def _end_of(month: int, day: int) -> datetime:
    """A deadline as the bot sets it: the end of a local day."""
    return _shanghai(month, day, 23, 59, 59)


def _case(engine, clock, status: CaseStatus, deadline: datetime,
          rectified_at: datetime | None) -> Case:
    """A case of the first department with the given deadline and rectification."""
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department).order_by(Department.id)).first()
        case = make_case(session, clock.utcnow(), reporter=reporter, group=group,
                         status=status, department=department, deadline=deadline)
        case.rectified_at = rectified_at
        if status == CaseStatus.CLOSED:
            case.closed_at = rectified_at + timedelta(days=1)
        session.add(case)
    return case


async def _card(staff, case: Case) -> str:
    await staff.send(f"/case {case.number}")
    return staff.text


def _exported_overdue(engine, clock, settings, tmp_path, case: Case):
    path = tmp_path / "清单.xlsx"
    with unit_of_work(engine) as session:
        export_cases(session, path, clock.utcnow(), settings.tz)
    rows = load_workbook(path)["问题清单"].iter_rows(min_row=2, values_only=True)
    return next(row for row in rows if row[0] == case.number)[OVERDUE_COLUMN]


# --- the rule -------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "rectified", "days"), [
    (CaseStatus.IN_PROGRESS, None, 5),  # with the department: to now (11-19 … 11-23)
    (CaseStatus.ASSIGNED, None, 5),
    (CaseStatus.ACKNOWLEDGED, None, 5),
    (CaseStatus.RECTIFIED, _shanghai(11, 11), 0),  # fixed before the deadline
    (CaseStatus.RECTIFIED, _shanghai(11, 18, 16), 0),  # on the last day
    (CaseStatus.RECTIFIED, _shanghai(11, 20), 2),  # fixed two days late (11-19, 11-20)
    (CaseStatus.CLOSED, _shanghai(11, 20), 2),  # closed: how late the fix was
    (CaseStatus.CLOSED, _shanghai(11, 11), 0),
    (CaseStatus.CLOSED, None, 0),  # no fix on record: nothing to measure
    (CaseStatus.REJECTED, None, 0), (CaseStatus.MERGED, None, 0),
    (CaseStatus.SUBMITTED, None, 0), (CaseStatus.ACCEPTED, None, 0),
])
def test_overdue_runs_to_the_fix_or_to_now(status, rectified, days) -> None:
    now = _shanghai(11, 23)
    assert days_overdue(_end_of(11, 18), status, now, rectified) == days
    case = Case(deadline=_end_of(11, 18), status=status, rectified_at=rectified)
    assert overdue_days(case, now) == days
    assert overdue_days(case, now + timedelta(days=30)) == (days + 30 if status in (
        CaseStatus.IN_PROGRESS, CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED) else days)


def test_no_deadline_is_never_overdue() -> None:
    now = _shanghai(11, 23)
    for status in CaseStatus:
        assert days_overdue(None, status, now, _shanghai(11, 20)) == 0


# --- the card and the export ----------------------------------------------------------------

async def test_a_case_fixed_before_its_deadline_is_not_overdue(app, engine, clock, settings,
                                                               tmp_path) -> None:
    case = _case(engine, clock, CaseStatus.RECTIFIED, _end_of(11, 20), _shanghai(11, 11))
    text = await _card(await bound(app, the_staff(engine), "5005"), case)
    assert case.number in text and "逾期" not in text
    assert _exported_overdue(engine, clock, settings, tmp_path, case) is None


async def test_a_case_fixed_late_shows_the_days_up_to_the_fix(app, engine, clock, settings,
                                                              tmp_path) -> None:
    case = _case(engine, clock, CaseStatus.RECTIFIED, _end_of(11, 18), _shanghai(11, 20))
    t, staff = zh(app), await bound(app, the_staff(engine), "5005")
    assert t("case.overdue_short", days=2) in await _card(staff, case)
    assert _exported_overdue(engine, clock, settings, tmp_path, case) == 2
    clock.advance(days=10)  # waiting for verification does not make the fix any later
    assert t("case.overdue_short", days=2) in await _card(staff, case)
    assert _exported_overdue(engine, clock, settings, tmp_path, case) == 2


async def test_a_closed_case_shows_how_late_the_fix_was(app, engine, clock, settings,
                                                        tmp_path) -> None:
    late = _case(engine, clock, CaseStatus.CLOSED, _end_of(11, 18), _shanghai(11, 20))
    on_time = _case(engine, clock, CaseStatus.CLOSED, _end_of(11, 18), _shanghai(11, 17))
    staff = await bound(app, the_staff(engine), "5005")
    assert zh(app)("case.overdue_short", days=2) in await _card(staff, late)
    assert "逾期" not in await _card(staff, on_time)
    assert _exported_overdue(engine, clock, settings, tmp_path, late) == 2
    assert _exported_overdue(engine, clock, settings, tmp_path, on_time) is None


async def test_a_reopened_case_counts_to_now_again(app, engine, clock, settings,
                                                   tmp_path) -> None:
    case = _case(engine, clock, CaseStatus.RECTIFIED, _end_of(11, 18), _shanghai(11, 17))
    staff = await bound(app, the_staff(engine), "5005")
    assert "逾期" not in await _card(staff, case)
    reporter = await bound(app, demo_reporter_of(engine), "1001")
    await reporter.press(f"c:vd:{case.id}")  # 不满意, and why: the fix is undone
    await reporter.send("东段仍有三盏路灯不亮")
    with unit_of_work(engine) as session:
        reopened = session.get(Case, case.id)
        assert reopened.status == CaseStatus.IN_PROGRESS and reopened.rectified_at is None
    assert zh(app)("case.overdue_short", days=5) in await _card(staff, case)
    assert _exported_overdue(engine, clock, settings, tmp_path, case) == 5
    clock.advance(days=2)
    assert _exported_overdue(engine, clock, settings, tmp_path, case) == 7


def demo_reporter_of(engine):
    """The reporter `_case` files its cases under."""
    with unit_of_work(engine) as session:
        return demo_reporter(session)[0]


# --- /tasks, /supervise and the digest agree ------------------------------------------------

async def test_tasks_count_only_cases_still_with_the_department(app, engine, clock) -> None:
    late_open = _case(engine, clock, CaseStatus.IN_PROGRESS, _end_of(11, 18), None)
    fixed_late = _case(engine, clock, CaseStatus.RECTIFIED, _end_of(11, 18), _shanghai(11, 20))
    fixed_on_time = _case(engine, clock, CaseStatus.RECTIFIED, _end_of(11, 18),
                          _shanghai(11, 17))
    with unit_of_work(engine) as session:
        liaison = liaison_of(session, session.exec(
            select(Department).order_by(Department.id)).first())
    dialog = await bound(app, liaison, "4004")
    await dialog.send("/tasks")
    assert {late_open.number, fixed_late.number, fixed_on_time.number} <= set(dialog.labels())
    assert zh(app)("views.tasks.overdue", count=1) in dialog.text


def test_the_rule_agrees_with_what_supervise_and_the_digest_count(engine, clock) -> None:
    now = clock.utcnow()
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department).order_by(Department.id)).first()
        for status in CaseStatus:
            for deadline in (now - timedelta(days=4), now - timedelta(hours=1),
                             now + timedelta(days=3)):
                case = make_case(session, now, reporter=reporter, group=group, status=status,
                                 department=department, deadline=deadline)
                case.rectified_at = now - timedelta(days=2) if status in (
                    CaseStatus.RECTIFIED, CaseStatus.CLOSED) else None
                session.add(case)
        session.flush()
        every = session.exec(select(Case)).all()
        active_late = {c.number for c in every
                       if c.status in case_stats.ACTIVE and overdue_days(c, now)}
        listed = {late.number for late in case_stats.oldest_overdue(session, now, 1000)}
        assert case_stats.count_overdue(session, now) == len(active_late) == 6
        assert listed == active_late


# --- the demo county ------------------------------------------------------------------------

async def test_demo_case_fixed_on_time_stays_on_time(app, engine, clock, settings) -> None:
    with unit_of_work(engine) as session:
        load_demo_cases(session, clock.utcnow(), settings.tz, app.services.media)
        fixed = session.exec(select(Case).where(Case.status == CaseStatus.RECTIFIED)).one()
        assert fixed.rectified_at < fixed.deadline
    clock.advance(days=10)  # well past the deadline, still waiting for verification
    assert "逾期" not in await _card(await bound(app, the_staff(engine), "5005"), fixed)

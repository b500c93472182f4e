"""The 问题清单 workbook: columns, one row per case, the summary sheet, the CLI."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from handlers.cases.case_export import export_cases
from handlers.cases.render import days_overdue as overdue_days
from handlers.cases.render import overdue_days as render_overdue_days
from storage import case_stats, cases
from storage.case_models import Case, CaseStatus, Satisfaction
from storage.db import unit_of_work
from storage.models import Area, Department, Person
from tests.factories import demo_reporter, make_case
from tests.given import zh

pytestmark = pytest.mark.usefixtures("demo")
FIXED = (CaseStatus.RECTIFIED, CaseStatus.CLOSED)
LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


def _workbook_cases(engine, clock) -> dict[str, Case]:
    now = clock.utcnow()
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        department = session.exec(select(Department).order_by(Department.id)).first()
        made = {
            "new": make_case(session, now, reporter=reporter, group=group,
                             description="=HYPERLINK(\"http://x\")\x07 堆放垃圾"),
            "late": make_case(session, now, reporter=reporter, group=group,
                              status=CaseStatus.IN_PROGRESS, department=department,
                              deadline=now - timedelta(days=3)),
            "closed": make_case(session, now, reporter=reporter, group=group,
                                status=CaseStatus.CLOSED, department=department),
        }
        made["closed"].satisfaction, made["closed"].closed_at = Satisfaction.BASIC, now
        made["late"].progress_note = "已进场施工"
        session.add_all(made.values())
        co = session.exec(select(Person).where(Person.level.is_not(None),
                                               Person.id != reporter.id)).first()
        cases.add_reporter(session, made["late"].id, co.id, group.id, now + timedelta(hours=1))
        made["co_name"] = co.name
        made["reporter_name"] = reporter.name
        made["group_name"], made["department_name"] = group.name, department.name
        made["area_name"] = session.get(Area, made["late"].area_id).name_zh
    return made


def test_export_cases_writes_the_problem_list(app, engine, clock, settings, tmp_path) -> None:
    made = _workbook_cases(engine, clock)
    path = tmp_path / "清单.xlsx"
    with unit_of_work(engine) as session:
        written = export_cases(session, path, clock.utcnow(), settings.tz)
    assert written == 3
    t = zh(app)
    sheet = load_workbook(path)["问题清单"]
    header = [c.value for c in sheet[1]]
    assert header == ["编号", "领域", "乡镇", "问题描述", "反映代表", "代表小组", "责任单位",
                      "交办日期", "整改时限", "状态", "逾期天数", "整改情况", "满意度", "销号日期"]
    assert sheet[1][0].font.b and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["D"].width >= 40 and sheet["D2"].alignment.wrap_text
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == [made["new"].number, made["late"].number, made["closed"].number]
    new, late, closed = rows[made["new"].number], rows[made["late"].number], rows[
        made["closed"].number]
    assert new[3] == "=HYPERLINK(\"http://x\") 堆放垃圾" and sheet["D2"].data_type == "s"
    assert new[9] == t("case.status.submitted") and new[6] is None and new[10] is None
    assert late[1] == made["area_name"] and late[5] == made["group_name"]
    assert late[4] == t("common.list_sep").join([made["reporter_name"], made["co_name"]])
    assert late[6] == made["department_name"] and late[11] == "已进场施工"
    assert late[7] == datetime(2026, 11, 23) and late[8] == datetime(2026, 11, 20)
    assert late[10] == 4
    assert closed[12] == t("case.verdict.basic") and closed[13] == datetime(2026, 11, 23)
    assert closed[10] is None and closed[9] == t("case.status.closed")


def test_export_summary_sheet(engine, clock, settings, tmp_path) -> None:
    made = _workbook_cases(engine, clock)
    path = tmp_path / "清单.xlsx"
    with unit_of_work(engine) as session:
        export_cases(session, path, clock.utcnow(), settings.tz)
    rows = list(load_workbook(path)["汇总"].iter_rows(values_only=True))
    assert rows[0][0] == "按责任单位汇总"
    assert rows[1] == ("责任单位", "问题总数", "已销号", "未办结", "不予受理", "已合并", None,
                       "其中：逾期未整改", "其中：逾期后整改")
    by_name = {row[0]: row[1:] for row in rows if row and row[0]}
    assert by_name[made["department_name"]] == (2, 1, 1, 0, 0, None, 1, 0)
    assert by_name["（未交办）"] == (1, 0, 1, 0, 0, None, 0, 0)
    assert by_name[made["area_name"]] == (3, 1, 2, 0, 0, None, 1, 0)
    assert [row for row in rows if row[0] == "合计"] == [("合计", 3, 1, 2, 0, 0, None, 1, 0)] * 2
    assert rows[-4][0].startswith("说明：问题总数 = 已销号 + 未办结 + 不予受理 + 已合并")


def test_export_in_english(engine, clock, settings, tmp_path) -> None:
    _workbook_cases(engine, clock)
    path = tmp_path / "list.xlsx"
    with unit_of_work(engine) as session:
        export_cases(session, path, clock.utcnow(), settings.tz, locale="en")
    book = load_workbook(path)
    assert book.sheetnames == ["Problem list", "Summary"]
    assert book["Problem list"]["A1"].value == "Number"


def test_export_of_an_empty_database(engine, clock, settings, tmp_path) -> None:
    path = tmp_path / "empty.xlsx"
    with unit_of_work(engine) as session:
        assert export_cases(session, path, clock.utcnow(), settings.tz) == 0
    assert load_workbook(path)["问题清单"].max_row == 1
    assert not list(tmp_path.glob(".*.partial"))


def test_export_overdue_rule_matches_the_card(engine, clock) -> None:
    now = clock.utcnow()
    fixed = now - timedelta(days=2)
    for deadline, status, rectified in [
            (now - timedelta(days=3), CaseStatus.IN_PROGRESS, None),
            (now - timedelta(hours=1), CaseStatus.ASSIGNED, None),
            (now + timedelta(days=1), CaseStatus.ASSIGNED, None),
            (now - timedelta(days=9), CaseStatus.CLOSED, fixed),
            (now - timedelta(days=9), CaseStatus.RECTIFIED, fixed),
            (now - timedelta(days=1), CaseStatus.RECTIFIED, fixed), (None, "submitted", None)]:
        case = Case(deadline=deadline, status=status, rectified_at=rectified)
        assert overdue_days(deadline, status, now, rectified) == render_overdue_days(case, now)


def test_export_cli_writes_the_file(engine, clock, settings, tmp_path) -> None:
    from bot.admin import export_cases_file

    _workbook_cases(engine, clock)
    on_test_database = settings.model_copy(
        update={"database_url": engine.url.render_as_string(hide_password=False)})
    message = export_cases_file(on_test_database, tmp_path / "out")
    assert message == f"3 cases written to {tmp_path / 'out.xlsx'}"
    assert load_workbook(tmp_path / "out.xlsx")["问题清单"].max_row == 4


def _every_status(engine, clock) -> dict[str, int]:
    """Cases in every status, on two departments and none, late and on time; what they are."""
    now = clock.utcnow()
    expected = dict.fromkeys(("total", "closed", "open", "rejected", "merged", "overdue",
                              "fixed_late"), 0)
    with unit_of_work(engine) as session:
        reporter, group = demo_reporter(session)
        departments = session.exec(select(Department).order_by(Department.id).limit(2)).all()
        for n, (status, late) in enumerate((s, late) for s in CaseStatus for late in (0, 1)):
            assigned = status in (*case_stats.ACTIVE, *FIXED)
            deadline = now - timedelta(days=3) if late else now + timedelta(days=3)
            case = make_case(session, now, reporter=reporter, group=group, status=status,
                             department=departments[n % 2] if assigned else None,
                             deadline=deadline)
            if status in FIXED:
                case.rectified_at = deadline + timedelta(days=1 if late else -1)
            session.add(case)
            part = {"closed": "closed", "rejected": "rejected", "merged": "merged"}.get(
                status.value, "open")
            expected["total"] += 1
            expected[part] += 1
            if late and assigned:
                expected["overdue" if status in case_stats.ACTIVE else "fixed_late"] += 1
        expected["count_overdue"] = case_stats.count_overdue(session, now)
    return expected


def test_every_summary_row_sums_across(engine, clock, settings, tmp_path) -> None:
    expected = _every_status(engine, clock)
    path = tmp_path / "清单.xlsx"
    with unit_of_work(engine) as session:
        export_cases(session, path, clock.utcnow(), settings.tz)
    rows = list(load_workbook(path)["汇总"].iter_rows(values_only=True))
    counted = [row for row in rows if isinstance(row[1], int)]
    assert len(counted) > 10  # every department, every area and the two 合计 rows
    for name, total, closed, open_, rejected, merged, gap, overdue, fixed_late in counted:
        assert total == closed + open_ + rejected + merged, name
        assert gap is None and overdue <= open_ and fixed_late <= open_ + closed, name
    totals = [row[1:] for row in counted if row[0] == "合计"]
    assert totals == [(expected["total"], expected["closed"], expected["open"],
                       expected["rejected"], expected["merged"], None, expected["overdue"],
                       expected["fixed_late"])] * 2
    assert expected["rejected"] and expected["merged"] and expected["fixed_late"] == 2
    assert expected["overdue"] == expected["count_overdue"] == 3  # as /supervise counts


def test_problem_list_filters_and_prints_on_a4(engine, clock, settings, tmp_path) -> None:
    _workbook_cases(engine, clock)
    path = tmp_path / "清单.xlsx"
    with unit_of_work(engine) as session:
        export_cases(session, path, clock.utcnow(), settings.tz)
    _assert_filters_and_prints(load_workbook(path))


def _assert_filters_and_prints(book) -> None:
    sheet, summary = book["问题清单"], book["汇总"]
    assert sheet.auto_filter.ref == "A1:N4"
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert summary.page_setup.orientation == "portrait" and int(summary.page_setup.paperSize) == 9
    assert not summary.auto_filter.ref and summary.print_title_rows is None


@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice (libreoffice/soffice) is not "
                    "installed, so its headless conversion cannot be checked")
def test_libreoffice_converts_the_workbook_and_keeps_filter_and_print_setup(
        engine, clock, settings, tmp_path) -> None:
    _workbook_cases(engine, clock)
    path = tmp_path / "清单.xlsx"
    with unit_of_work(engine) as session:
        export_cases(session, path, clock.utcnow(), settings.tz)
    converted = tmp_path / "converted"
    for target in ("xlsx:Calc MS Excel 2007 XML", "pdf"):
        subprocess.run([LIBREOFFICE, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                        "--headless", "--convert-to", target, "--outdir", str(converted),
                        str(path)], check=True, capture_output=True, timeout=180)
    assert (converted / "清单.pdf").read_bytes().startswith(b"%PDF")
    _assert_filters_and_prints(load_workbook(converted / "清单.xlsx"))

"""`liandong events import FILE`: activities from a sheet, all or nothing, every bad row named
with all its reasons; invitations queued for the good file.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import Workbook

from bot.roster_report import describe_row
from handlers.activities.importing import COLUMNS, import_activities
from storage.activity_models import Activity
from storage.db import unit_of_work
from storage.roster_problems import RosterError, RosterFileError
from tests.event_support import EventCast, event_cast, keys
from tests.given import count, zh


@pytest.fixture
def cast(app, demo) -> EventCast:
    return event_cast(app.engine)


def _sheet(path, rows) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    book.save(path)


def _good(cast) -> list[list]:
    return [
        ["视察", "河道整治现场视察", datetime(2026, 11, 25, 9, 30), "2026-11-25 11:30",
         "青石镇河道", 8, None, cast.leader.phone, cast.group.name, ""],
        ["座谈会", "民生实事座谈会", "11月26日 14:30", "11月26日 16:30", "县人大三楼", None,
         None, cast.staff.phone, f"{cast.group.name}、{cast.other_group.name}", "请带材料"],
    ]


async def test_a_good_sheet_creates_every_activity_and_queues_its_invitations(
        app, cast, tmp_path):
    path = tmp_path / "activities.xlsx"
    _sheet(path, _good(cast))
    with unit_of_work(app.engine) as session:
        assert import_activities(session, app.services, path) == 2
    with unit_of_work(app.engine) as session:
        first = session.get(Activity, 1)
    assert (first.kind, first.capacity, first.start_at.isoformat()) == (
        "inspection", 8, "2026-11-25T01:30:00+00:00")  # 09:30 in Shanghai, a spreadsheet date
    assert len(keys(app.engine, "event:1:invite:")) == len(cast.members)
    assert len(keys(app.engine, "event:2:invite:")) > len(cast.members)


async def test_a_sheet_with_bad_rows_imports_nothing_and_names_each_row(app, cast, tmp_path):
    path = tmp_path / "activities.xlsx"
    rows = [
        *_good(cast),
        ["参观", "x", "2026-11-20 09:00", "2026-11-20 08:00", "某地", 0, None, "13999999999",
         "不存在的小组", ""],
        ["视察", "跨组视察", "11月27日 09:00", "11:00", "某地", None, None, cast.leader.phone,
         cast.other_group.name, ""],
    ]
    _sheet(path, rows)
    with unit_of_work(app.engine) as session, pytest.raises(RosterError) as caught:
        import_activities(session, app.services, path)
    assert [p.row for p in caught.value.problems] == [4, 5]
    t = zh(app)
    bad = describe_row(t, caught.value.problems[0])
    for reason in ("类型“参观”不在", "名称需要 2–100 个字", t("events.start_past"),
                   t("events.end_before_start"), t("events.capacity_positive"),
                   "没有手机号为 13999999999 的在册人员", "没有这些小组：不存在的小组"):
        assert reason in bad, bad
    assert describe_row(t, caught.value.problems[1]).endswith(t("events.group_not_yours"))
    assert count(app.engine, Activity) == 0 and keys(app.engine, "event:") == []


async def test_a_file_without_the_columns_or_of_another_type_is_refused(app, cast, tmp_path):
    path = tmp_path / "activities.xlsx"
    book = Workbook()
    book.active.append(["名称", "开始"])
    book.save(path)
    with unit_of_work(app.engine) as session, pytest.raises(RosterFileError) as caught:
        import_activities(session, app.services, path)
    assert {p.values["column"] for p in caught.value.problems} == {
        "类型", "结束", "地点", "组织人", "小组"}
    other = tmp_path / "activities.txt"
    other.write_text("x")
    with unit_of_work(app.engine) as session, pytest.raises(RosterFileError):
        import_activities(session, app.services, other)


def test_the_command_is_there() -> None:
    from typer.testing import CliRunner

    from bot.__main__ import cli

    output = CliRunner().invoke(cli, ["events", "import", "--help"]).output
    assert "FILE" in output

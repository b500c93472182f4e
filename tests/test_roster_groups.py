"""Group kinds a real roster needs: generous names, the 小组类别 column, the 小组 sheet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from bot.admin import import_roster_file
from bot.i18n import Catalogs
from bot.roster_report import describe_row
from storage.db import unit_of_work
from storage.models import Area, Group, GroupKind, Person
from storage.roster import RosterError, import_roster
from storage.roster_kinds import group_kind

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HEADER = ["姓名", "手机", "代表层级", "乡镇", "小组", "角色", "企业微信账号", "小组类别"]
THEMATIC = ("城乡建设代表小组", "财政经济代表小组", "法制代表小组", "教科文卫代表小组",
            "社会建设代表小组", "农业农村代表小组", "民族宗教代表小组")
EN, ZH = Catalogs().translator("en"), Catalogs().translator("zh_CN")


def _csv(tmp_path: Path, *rows: str, header: list[str] = HEADER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join((",".join(header), *rows)) + "\n", encoding="utf-8")
    return path


def _import(engine, path: Path, skip_bad: bool = False):
    with unit_of_work(engine) as session:
        return import_roster(session, path, NOW, invite_days=30, skip_bad=skip_bad)


def _kinds(engine) -> dict[str, tuple[str, str | None, int | None]]:
    with unit_of_work(engine) as s:
        return {g.name: (g.kind, g.township, g.area_id) for g in s.exec(select(Group))}


def _problems(error_or_result, t=EN) -> list[str]:
    return [describe_row(t, p) for p in error_or_result.problems]


@pytest.mark.parametrize("name", THEMATIC)
def test_county_thematic_group_names_are_thematic(name: str) -> None:
    assert group_kind(name) == (GroupKind.THEMATIC, None)
    assert group_kind(name, townships={"城关镇", "南关镇"}) == (GroupKind.THEMATIC, None)


@pytest.mark.parametrize(("name", "townships", "expected"), [
    ("城关镇代表小组", (), (GroupKind.TOWNSHIP, "城关镇")),
    ("北坡乡代表小组", (), (GroupKind.TOWNSHIP, "北坡乡")),
    ("东城街道代表小组", (), (GroupKind.TOWNSHIP, "东城街道")),
    ("北关代表小组", ("北关",), (GroupKind.TOWNSHIP, "北关")),       # listed in 乡镇
    ("城关代表小组", ("城关镇",), (GroupKind.TOWNSHIP, "城关镇")),   # the roster's spelling
    ("城关镇代表小组", ("城关",), (GroupKind.TOWNSHIP, "城关")),
    ("北关代表小组", (), (GroupKind.THEMATIC, None)),
    ("读书兴趣小组", ("城关镇",), None),
    ("代表小组", (), None),
])
def test_township_groups_by_ending_or_by_the_township_column(name, townships, expected) -> None:
    assert group_kind(name, townships) == expected


def test_township_column_places_a_group_without_镇(engine, tmp_path) -> None:
    path = _csv(tmp_path, "张伟,13812345678,县,北关,北关代表小组、城乡建设代表小组,,,")
    _import(engine, path)
    assert _kinds(engine) == {"北关代表小组": (GroupKind.TOWNSHIP, "北关", None),
                              "城乡建设代表小组": (GroupKind.THEMATIC, None, None)}


def test_kind_column_names_the_kind_of_the_rows_groups(engine, tmp_path) -> None:
    path = _csv(tmp_path,
                "张伟,13812345678,县,城关镇,读书会、城关镇代表小组,,,专项代表小组、乡镇代表小组",
                "李娜,13812345679,县,城关镇,北片联络站,,,乡镇代表小组",
                "王芳,13812345680,县,城关镇,读书会、北片联络站,组长:读书会,")
    result = _import(engine, path)
    assert result.skipped == []
    assert _kinds(engine) == {"读书会": (GroupKind.THEMATIC, None, None),
                              "城关镇代表小组": (GroupKind.TOWNSHIP, "城关镇", None),
                              "北片联络站": (GroupKind.TOWNSHIP, "城关镇", None)}


def test_kind_column_problems(engine, tmp_path) -> None:
    path = _csv(tmp_path,
                "张伟,13812345678,县,城关镇,读书会,,,兴趣小组",
                "李娜,13812345679,县,城关镇,读书会、城关镇代表小组、书画社,,,专项代表小组、乡镇",
                "王芳,13812345680,县,城关镇,书画社,,,工作专班",
                "赵强,13812345681,县,城关镇,书画社,,,专项代表小组")
    with pytest.raises(RosterError) as caught:
        _import(engine, path)
    assert _problems(caught.value) == [
        "row 2: unknown group kind '兴趣小组' (use 执法检查组, 工作专班, 专项代表小组, "
        "乡镇代表小组, 基层工作组); unknown group kind: 读书会 (a group name must end in "
        "执法检查组, 工作专班, 专项代表小组, 代表小组, 基层工作组, or give its kind in a 小组类别 "
        "column or a 小组 sheet)",
        "row 3: 2 group kinds for 3 groups (give one kind for all the row's groups, or one per "
        "group); unknown group kind: 读书会 (a group name must end in 执法检查组, 工作专班, "
        "专项代表小组, 代表小组, 基层工作组, or give its kind in a 小组类别 column or a 小组 "
        "sheet)",
        "row 5: group 书画社 is a thematic delegate group here but a task squad on row 4",
    ]
    assert _problems(caught.value, ZH)[2] == (
        "第 5 行：代表小组“书画社”在这里是专项代表小组，第 4 行却是工作专班")


def _workbook(path: Path, people: list[list[str]], sheets: dict[str, list[list[str]]]) -> Path:
    workbook = Workbook()
    workbook.active.title = "名单"
    for row in [HEADER, *people]:
        workbook.active.append(row)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def _areas(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        s.add_all([Area(code="health", name_zh="公共卫生", name_en="Public health", position=1),
                   Area(code="business", name_zh="优化营商环境", name_en="Business", position=2)])
    with unit_of_work(engine) as s:
        return {a.name_zh: a.id for a in s.exec(select(Area))}


def test_group_sheet_gives_kinds_and_areas(engine, tmp_path) -> None:
    areas = _areas(engine)
    path = _workbook(tmp_path / "r.xlsx", [
        ["张伟", "13812345678", "县", "城关镇", "医疗卫生监督组、城关镇代表小组", "", "", ""],
        ["李娜", "13812345679", "市", "城关镇", "营商环境专班", "组长", "", ""],
    ], {"说明": [["本表说明"]], "小组": [
        ["小组名称", "小组类别", "监督领域"],
        ["医疗卫生监督组", "专项代表小组", "公共卫生"],
        ["营商环境专班", "", "优化营商环境"],
        ["第一执法检查组", "执法检查组", ""],
    ]})
    result = _import(engine, path)
    assert (result.skipped, result.source, result.ignored_sheets) == ([], "xlsx", ["说明"])
    assert _kinds(engine) == {
        "医疗卫生监督组": (GroupKind.THEMATIC, None, areas["公共卫生"]),
        "营商环境专班": (GroupKind.TASK_SQUAD, None, areas["优化营商环境"]),
        "城关镇代表小组": (GroupKind.TOWNSHIP, "城关镇", None),
        "第一执法检查组": (GroupKind.INSPECTION, None, None),  # listed, no members yet
    }


def test_group_sheet_names_the_township_of_a_township_group(engine, tmp_path) -> None:
    path = _workbook(tmp_path / "r.xlsx", [
        ["张伟", "13812345678", "县", "城关镇", "北片联络站", "", "", ""],
    ], {"小组": [["小组名称", "小组类别", "乡镇"], ["北片联络站", "乡镇代表小组", "城关镇"]]})
    assert _import(engine, path).skipped == []
    assert _kinds(engine) == {"北片联络站": (GroupKind.TOWNSHIP, "城关镇", None)}


def test_second_sheet_is_the_group_sheet_whatever_its_name(engine, tmp_path) -> None:
    path = _workbook(tmp_path / "r.xlsx", [
        ["张伟", "13812345678", "县", "城关镇", "读书会", "", "", ""],
    ], {"Sheet2": [["小组", "类别"], ["读书会", "基层工作组"]]})
    assert _import(engine, path).skipped == []
    assert _kinds(engine)["读书会"][0] == GroupKind.GRASSROOTS


def test_group_sheet_problems_name_the_sheet_and_row(engine, tmp_path) -> None:
    _areas(engine)
    path = _workbook(tmp_path / "r.xlsx", [
        ["张伟", "13812345678", "县", "城关镇", "读书会", "", "", "工作专班"],
    ], {"小组": [["小组名称", "小组类别", "监督领域"],
                ["读书会", "专项代表小组", ""],
                ["书画社", "专项", "养老服务"],
                ["", "专项代表小组", ""],
                ["兴趣组", "", ""]]})
    with pytest.raises(RosterError) as caught:
        _import(engine, path)
    assert _problems(caught.value, ZH) == [
        "工作表“小组”第 3 行：没有名为“养老服务”的监督领域（已有：公共卫生、优化营商环境）",
        "工作表“小组”第 4 行：缺少小组名称",
        "工作表“小组”第 5 行：无法确定代表小组“兴趣组”的类别：名称应以 执法检查组、工作专班、"
        "专项代表小组、代表小组、基层工作组 结尾，或在“小组类别”列、“小组”工作表中注明类别",
        "第 2 行：代表小组“读书会”在这里是工作专班，工作表“小组”第 2 行却是专项代表小组",
    ]


def test_sheet_named_小组_without_a_name_column_is_a_file_problem(engine, settings,
                                                                   tmp_path) -> None:
    path = _workbook(tmp_path / "r.xlsx", [["张伟", "13812345678", "县", "城关镇", "", "", "", ""]],
                     {"小组": [["组名", "类别"]]})
    outcome = import_roster_file(_on(settings, engine), path)
    assert not outcome.ok
    assert outcome.text.splitlines() == [
        "未导入任何内容：无法按名单读取 r.xlsx",
        "  工作表“小组”没有小组名称列（小组名称、小组、名称）"]


def test_explicit_kind_changes_an_existing_group(engine, tmp_path) -> None:
    _import(engine, _csv(tmp_path, "张伟,13812345678,县,城关镇,北关代表小组,,,"))
    assert _kinds(engine)["北关代表小组"][0] == GroupKind.THEMATIC
    result = _import(engine, _csv(tmp_path, "张伟,13812345678,县,城关镇,北关代表小组,,,乡镇"))
    assert result.regrouped == [("北关代表小组", GroupKind.THEMATIC, GroupKind.TOWNSHIP)]
    assert _kinds(engine)["北关代表小组"] == (GroupKind.TOWNSHIP, "北关", None)


def test_skip_bad_keeps_the_person_without_the_group_it_cannot_place(engine, tmp_path) -> None:
    path = _csv(tmp_path,
                "张伟,13812345678,县,城关镇,城关镇代表小组、读书兴趣小组,组长,,",
                "李娜,138123456,县,城关镇,城关镇代表小组,,,")
    result = _import(engine, path, skip_bad=True)
    assert result.created == 1
    assert [(p.row, p.imported) for p in result.skipped] == [(2, True), (3, False)]
    assert describe_row(ZH, result.skipped[0]).startswith(
        "第 2 行（已导入，但未加入这些代表小组）：无法确定代表小组“读书兴趣小组”的类别")
    assert _kinds(engine) == {"城关镇代表小组": (GroupKind.TOWNSHIP, "城关镇", None)}


def _on(settings, engine, locale: str = "zh_CN"):
    return settings.model_copy(update={
        "database_url": engine.url.render_as_string(hide_password=False), "locale": locale})


def test_messages_follow_the_operators_locale(engine, settings, tmp_path) -> None:
    path = _csv(tmp_path, "张伟,123,县,城关镇,城关镇代表小组,,,")
    chinese = import_roster_file(_on(settings, engine), path)
    english = import_roster_file(_on(settings, engine, "en"), path)
    assert (chinese.ok, english.ok) == (False, False)
    assert chinese.text.splitlines() == [
        "未导入任何内容：roster.csv 有 1 行有问题", "  第 2 行：手机号码格式不正确：“123”",
        "请修改后重新导入，或加 --skip-bad 只导入没有问题的行。"]
    assert english.text.splitlines()[:2] == [
        "nothing imported: 1 bad row in roster.csv", "  row 2: malformed phone '123'"]


def test_file_problems_are_not_row_0(engine, settings, tmp_path) -> None:
    path = _csv(tmp_path, "张伟,13812345678,城关镇,城关镇代表小组",
                header=["姓名", "手机", "乡镇", "小组"])
    outcome = import_roster_file(_on(settings, engine), path)
    assert outcome.text.splitlines() == ["未导入任何内容：无法按名单读取 roster.csv",
                                         "  缺少列“代表层级”"]
    xls = tmp_path / "名单.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0")
    outcome = import_roster_file(_on(settings, engine, "en"), xls)
    assert outcome.text.splitlines() == [
        "nothing imported: 名单.xls cannot be read as a roster",
        "  unsupported file type '.xls' (名单.xls): use .csv or .xlsx (save an .xls as .xlsx "
        "first)"]
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    assert import_roster_file(_on(settings, engine, "en"), fake).text.splitlines()[1] == (
        "  fake.xlsx is not a valid .xlsx workbook")


def test_bad_phone_on_reimport_is_not_a_wecom_clash(engine, tmp_path) -> None:
    with unit_of_work(engine) as session:
        import_roster(session, EXAMPLES / "roster.csv", NOW, invite_days=30)
    path = _csv(tmp_path, "吴秀芬,135-0000-010,省,青石镇,青石镇代表小组,,wuxiufen,")
    with pytest.raises(RosterError) as caught:
        _import(engine, path)
    assert _problems(caught.value) == ["row 2: malformed phone '135-0000-010'"]
    with unit_of_work(engine) as s:
        assert s.exec(select(Person.phone).where(Person.wecom_userid == "wuxiufen")).one() == (
            "13500000102")


def test_a_row_lists_its_unknown_group_beside_its_other_faults(engine, tmp_path) -> None:
    path = _csv(tmp_path, "张伟,123,县,城关镇,城关镇代表小组、读书兴趣小组,,,")
    with pytest.raises(RosterError) as caught:
        _import(engine, path)
    assert [p.key for p in caught.value.problems[0].reasons] == [
        "roster.row.malformed_phone", "roster.row.unknown_group_kind"]


def test_a_second_sheet_that_lists_no_groups_is_not_read_and_said_so(engine, tmp_path) -> None:
    path = _workbook(tmp_path / "r.xlsx", [
        ["张伟", "13812345678", "县", "城关镇", "城关镇代表小组", "", "", ""],
    ], {"备注": [["说明"], ["2026年名单"]]})
    result = _import(engine, path)
    assert (result.skipped, result.ignored_sheets) == ([], ["备注"])
    from bot.roster_report import imported

    assert "工作表“备注”没有读取（不是小组表：没有小组名称列）" in imported(
        ZH, path, result, False, False).splitlines()

"""Roster import: the examples, re-import, every bad row at once, skip-bad, roles and groups."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.i18n import Catalogs
from bot.roster_report import describe
from storage.db import unit_of_work
from storage.models import (
    Department,
    Group,
    GroupKind,
    Invite,
    Level,
    Liaison,
    Membership,
    Person,
    Role,
    RoleGrant,
)
from storage.people import effective_roles
from storage.roster import ImportResult, RosterError, RosterFileError, import_roster, read_rows
from storage.roster_kinds import group_kind
from storage.roster_problems import RowProblem
from storage.roster_rules import normalize_phone, parse_level

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HEADER = "姓名,手机,代表层级,乡镇,小组,角色,企业微信账号"


def _csv(tmp_path: Path, *lines: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
    return path


def _import(engine, path: Path, skip_bad: bool = False, keep: bool = False) -> ImportResult:
    with unit_of_work(engine) as session:
        return import_roster(session, path, NOW, invite_days=30, skip_bad=skip_bad, keep=keep)


def _counts(result: ImportResult) -> tuple:
    return result.created, result.updated, result.skipped, result.invites_issued


def _reasons(problems: list[RowProblem], locale: str = "en") -> list[tuple[int, str]]:
    """Each bad row's number and its reasons as the operator reads them."""
    t = Catalogs().translator(locale)
    return [(p.row, t("roster.report.reason_sep").join(describe(t, r) for r in p.reasons))
            for p in problems]


LEVELS_HINT = "(use 全国, 省, 市, 县 or 乡; may be empty only for 工作人员, 领导 or 联络员)"


def _count(session: Session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def _person(session: Session, name: str) -> Person:
    return session.exec(select(Person).where(Person.name == name)).one()


def _groups(session: Session, name: str) -> dict[str, bool]:
    rows = session.exec(select(Group.name, Membership.is_leader)
                        .join(Membership, Membership.group_id == Group.id)
                        .join(Person, Person.id == Membership.person_id)
                        .where(Person.name == name)).all()
    return dict(rows)


def _snapshot(engine) -> dict:
    with unit_of_work(engine) as s:
        people = {p.id: p.phone for p in s.exec(select(Person))}
        groups = {g.id: g.name for g in s.exec(select(Group))}
        return {
            "people": sorted((p.phone, p.name, p.level, p.township, p.wecom_userid)
                             for p in s.exec(select(Person))),
            "groups": sorted((g.name, g.kind, g.township) for g in s.exec(select(Group))),
            "members": sorted((people[m.person_id], groups[m.group_id], m.is_leader)
                              for m in s.exec(select(Membership))),
            "grants": sorted((people[g.person_id], g.role) for g in s.exec(select(RoleGrant))),
            "liaisons": sorted((people[x.person_id], x.department_id)
                               for x in s.exec(select(Liaison))),
        }


def test_example_files_hold_the_same_rows() -> None:
    csv_rows = read_rows(EXAMPLES / "roster.csv")
    assert len(csv_rows) == 14
    assert read_rows(EXAMPLES / "roster.xlsx") == csv_rows


@pytest.mark.parametrize("filename", ["roster.csv", "roster.xlsx"])
def test_example_import(engine, filename: str) -> None:
    result = _import(engine, EXAMPLES / filename)
    assert _counts(result) == (14, 0, [], 14)
    with unit_of_work(engine) as s:
        wu = _person(s, "吴秀芬")
        assert (wu.phone, wu.level, wu.township, wu.wecom_userid) == (
            "13500000102", Level.PROVINCIAL, "青石镇", "wuxiufen")
        assert _groups(s, "吴秀芬") == {"青石镇代表小组": True, "第一执法检查组": True}
        assert _person(s, "郑浩然").phone == "13500000103"
        assert _person(s, "陈志刚").level == Level.NATIONAL
        assert _groups(s, "陈志刚") == {"禾丰镇代表小组": True, "第一执法检查组": False,
                                        "优化营商环境工作专班": False}
        assert _groups(s, "周明远") == {"禾丰镇代表小组": False, "优化营商环境工作专班": True}
        assert _person(s, "卫建国").level == Level.TOWNSHIP
        kinds = {g.name: (g.kind, g.township) for g in s.exec(select(Group))}
        assert kinds == {
            "禾丰镇代表小组": (GroupKind.TOWNSHIP, "禾丰镇"),
            "青石镇代表小组": (GroupKind.TOWNSHIP, "青石镇"),
            "柳溪乡代表小组": (GroupKind.TOWNSHIP, "柳溪乡"),
            "优化营商环境工作专班": (GroupKind.TASK_SQUAD, None),
            "第一执法检查组": (GroupKind.INSPECTION, None),
            "公共卫生专项代表小组": (GroupKind.THEMATIC, None),
            "城南社区基层工作组": (GroupKind.GRASSROOTS, None),
        }
        assert _count(s, Invite) == 14
        assert len(set(s.exec(select(Invite.person_id)).all())) == 14


def test_example_roles(engine) -> None:
    _import(engine, EXAMPLES / "roster.csv")
    with unit_of_work(engine) as s:
        assert effective_roles(s, _person(s, "沈立新")) == {Role.STAFF}
        assert _person(s, "沈立新").level is None
        assert effective_roles(s, _person(s, "秦海波")) == {Role.STAFF, Role.DELEGATE}
        assert effective_roles(s, _person(s, "韩文博")) == {Role.LEADERSHIP}
        assert effective_roles(s, _person(s, "褚雅静")) == {Role.DELEGATE, Role.SQUAD_LEADER}
        assert effective_roles(s, _person(s, "郑浩然")) == {Role.DELEGATE}
        liaisons = s.exec(select(Person.name, Department.name, Department.short_name)
                          .join(Liaison, Liaison.person_id == Person.id)
                          .join(Department, Department.id == Liaison.department_id)).all()
        assert sorted(liaisons) == [("朱国平", "县卫生健康局", "县卫生健康"),
                                    ("杨丽萍", "县住房和城乡建设局", "县住房和城乡建设")]
        assert effective_roles(s, _person(s, "杨丽萍")) == {Role.LIAISON}


def test_xlsx_reimport_of_csv_changes_nothing(engine) -> None:
    _import(engine, EXAMPLES / "roster.csv")
    before = _snapshot(engine)
    result = _import(engine, EXAMPLES / "roster.xlsx")
    assert _counts(result) == (0, 14, [], 0)
    assert (result.changed, result.removed, sum(result.added.values())) == (0, [], 0)
    assert _snapshot(engine) == before


def test_reimport_with_keep_updates_and_adds_without_duplicates(engine, tmp_path) -> None:
    _import(engine, EXAMPLES / "roster.csv")
    path = _csv(tmp_path,
                "周明媛,135 0000 0101,市,青石镇,第二执法检查组,组长,zhoumy",
                "沈立新,13500000110,,,,领导,",
                "钱新雨,13500000199,乡,柳溪乡,柳溪乡代表小组,,")
    assert _counts(_import(engine, path, keep=True)) == (1, 2, [], 1)
    assert _import(engine, path, keep=True).created == 0
    with unit_of_work(engine) as s:
        assert _count(s, Person) == 15
        assert _count(s, Invite) == 15
        zhou = s.exec(select(Person).where(Person.phone == "13500000101")).one()
        assert (zhou.name, zhou.level, zhou.township, zhou.wecom_userid) == (
            "周明媛", Level.MUNICIPAL, "青石镇", "zhoumy")
        assert _groups(s, "周明媛") == {"禾丰镇代表小组": False, "优化营商环境工作专班": True,
                                        "第二执法检查组": True}
        assert effective_roles(s, _person(s, "沈立新")) == {Role.STAFF, Role.LEADERSHIP}
        assert _count(s, Group) == 8


def test_every_bad_row_is_reported_and_nothing_written(engine, tmp_path) -> None:
    path = _csv(tmp_path,
                "孟清和,13500000201,县,禾丰镇,禾丰镇代表小组,组长,",
                "江月白,123,县,禾丰镇,禾丰镇代表小组,,",
                "段知秋,13500000203,村,禾丰镇,禾丰镇代表小组,,",
                "",
                "雷鸣远,13500000205,县,禾丰镇,读书兴趣小组,,",
                "尹若水,+8613500000201,市,禾丰镇,禾丰镇代表小组,,")
    with unit_of_work(engine) as s:
        with pytest.raises(RosterError) as caught:
            import_roster(s, path, NOW, invite_days=30)
        assert _reasons(caught.value.problems) == [
            (3, "malformed phone '123'"),
            (4, f"unknown level '村' {LEVELS_HINT}"),
            (6, "unknown group kind: 读书兴趣小组 (a group name must end in 执法检查组, 工作专班, "
                "专项代表小组, 代表小组, 基层工作组, or give its kind in a 小组类别 column or a "
                "小组 sheet)"),
            (7, "duplicate phone 13500000201 (first on row 2)"),
        ]
        assert "3, 4, 6, 7" in str(caught.value)
        assert (_count(s, Person), _count(s, Group), _count(s, Invite)) == (0, 0, 0)
    with unit_of_work(engine) as s:
        assert _count(s, Person) == 0


def test_skip_bad_imports_the_good_rows(engine, tmp_path) -> None:
    path = _csv(tmp_path,
                "孟清和,13500000201,县,禾丰镇,禾丰镇代表小组,组长,",
                "江月白,1350000020,县,禾丰镇,禾丰镇代表小组,,",
                "段知秋,13500000203,县,禾丰镇,禾丰镇代表小组,班长,")
    result = _import(engine, path, skip_bad=True)
    assert result.created == result.invites_issued == 1
    assert _reasons(result.skipped) == [
        (3, "malformed phone '1350000020'"),
        (4, "unknown role '班长' (use 代表, 组长, 组长:<group>, 工作人员, 领导 or "
            "联络员:<department>)")]
    with unit_of_work(engine) as s:
        assert [p.name for p in s.exec(select(Person))] == ["孟清和"]
        assert _groups(s, "孟清和") == {"禾丰镇代表小组": True}


def test_row_level_rules(engine, tmp_path) -> None:
    path = _csv(tmp_path,
                "甘棠,13500000301,,,禾丰镇代表小组,代表,",
                "方圆,13500000302,县,禾丰镇,禾丰镇代表小组,组长:青石镇代表小组,",
                "顾盼,13500000303,县,禾丰镇,,组长,",
                "宁静,13500000304,,,,联络员,",
                "柏舟,13500000305,县,禾丰镇,禾丰镇代表小组,,dup",
                "苗青,13500000306,县,禾丰镇,禾丰镇代表小组,,dup",
                ",13500000307,县,禾丰镇,禾丰镇代表小组,,",
                "梅岭,13500000308,县,禾丰镇,禾丰镇代表小组,代表、联络员:县商务局,")
    result = _import(engine, path, skip_bad=True)
    assert _reasons(result.skipped) == [
        (2, f"unknown level '' {LEVELS_HINT}"),
        (3, "squad leader of a group that is not in the row's 小组 column: 青石镇代表小组"),
        (4, "squad leader (组长) but the 小组 column is empty"),
        (5, f"unknown level '' {LEVELS_HINT}; liaison needs a department: '联络员' "
            "(e.g. 联络员:县商务局)"),
        (7, "duplicate WeCom account 'dup' (first on row 6)"),
        (8, "missing name"),
    ]
    with unit_of_work(engine) as s:
        assert effective_roles(s, _person(s, "梅岭")) == {Role.DELEGATE, Role.LIAISON}


def test_wecom_account_of_another_person_is_refused(engine, tmp_path) -> None:
    _import(engine, EXAMPLES / "roster.csv")
    path = _csv(tmp_path, "柏舟,13500000401,县,禾丰镇,禾丰镇代表小组,,wuxiufen")
    with pytest.raises(RosterError) as caught:
        _import(engine, path)
    assert _reasons(caught.value.problems) == [
        (2, "WeCom account 'wuxiufen' already belongs to another person")]


def test_missing_column_and_unknown_file_type(tmp_path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("姓名,手机,乡镇,小组\n柏舟,13500000401,禾丰镇,禾丰镇代表小组\n",
                    encoding="utf-8")
    t = Catalogs().translator("en")
    with pytest.raises(RosterFileError) as caught:
        read_rows(path)
    assert [describe(t, p) for p in caught.value.problems] == ["missing column 代表层级"]
    with pytest.raises(RosterFileError) as caught:
        read_rows(tmp_path / "roster.txt")
    assert [p.key for p in caught.value.problems] == ["roster.file.type"]
    assert not any(hasattr(p, "row") for p in caught.value.problems)  # the file, not "row 0"


def test_csv_with_bom_is_read(tmp_path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(HEADER + "\n柏舟,13500000401,县,禾丰镇,禾丰镇代表小组,,\n",
                    encoding="utf-8-sig")
    assert read_rows(path)[0]["姓名"] == "柏舟"


@pytest.mark.parametrize(("raw", "expected"), [
    ("13800000001", "13800000001"), ("138-0000-0001", "13800000001"),
    ("+86 138 0000 0001", "13800000001"), ("8613800000001", "13800000001"),
    ("1380000000", None), ("23800000001", None), ("", None), ("1380000000a", None),
])
def test_normalize_phone(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("全国", Level.NATIONAL), ("全国人大代表", Level.NATIONAL), ("省级", Level.PROVINCIAL),
    ("市", Level.MUNICIPAL), ("县级", Level.COUNTY), ("乡镇级", Level.TOWNSHIP),
    ("county", Level.COUNTY), ("村", None), ("", None),
])
def test_parse_level(raw: str, expected: Level | None) -> None:
    assert parse_level(raw) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("第三执法检查组", (GroupKind.INSPECTION, None)),
    ("养老服务专班", (GroupKind.TASK_SQUAD, None)),
    ("大气污染防治专项小组", (GroupKind.THEMATIC, None)),
    ("城关街道代表小组", (GroupKind.TOWNSHIP, "城关街道")),
    ("白鹭乡代表小组", (GroupKind.TOWNSHIP, "白鹭乡")),
    ("代表之家", None),
])
def test_group_kind(name: str, expected) -> None:
    assert group_kind(name) == expected

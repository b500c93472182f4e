"""Re-import makes the database match the roster for the people it lists (--keep, --dry-run)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.admin import import_roster_file
from storage.db import unit_of_work
from storage.models import Department, Group, Liaison, Membership, Person, Role, RoleGrant
from storage.roster import import_roster
from storage.roster_sync import Removed

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HEADER = "姓名,手机,代表层级,乡镇,小组,角色,企业微信账号"
UPDATE = (
    "周明远,13500000101,县,禾丰镇,禾丰镇代表小组,,",                       # leaves the squad
    "吴秀芬,135-0000-0102,省,青石镇,青石镇代表小组;第一执法检查组,组长:第一执法检查组,",
    "秦海波,13500000114,县,青石镇,青石镇代表小组,代表,",                     # no longer staff
    "杨丽萍,13500000112,,,,联络员:县商务局,",                                 # another department
    "沈立新,13500000110,,,,工作人员,",                                        # deactivated
)
UNLISTED = ("陈志刚", "褚雅静", "韩文博", "朱国平", "冯佳怡")


@pytest.fixture
def examples_loaded(engine):
    """The example roster imported, then 沈立新 deactivated (as `users deactivate` would)."""
    with unit_of_work(engine) as session:
        import_roster(session, EXAMPLES / "roster.csv", NOW, invite_days=30)
        person = session.exec(select(Person).where(Person.name == "沈立新")).one()
        person.active = False
        session.add(person)
    return engine


def _update_file(tmp_path: Path) -> Path:
    path = tmp_path / "update.csv"
    path.write_text("\n".join((HEADER, *UPDATE)) + "\n", encoding="utf-8")
    return path


def _relations(engine) -> dict[str, tuple]:
    """Per person: groups (with leader flag), explicit roles, liaison departments, active."""
    with unit_of_work(engine) as s:
        found: dict[str, tuple] = {}
        for person in s.exec(select(Person)):
            groups = s.exec(select(Group.name, Membership.is_leader).join(
                Membership, Membership.group_id == Group.id).where(
                Membership.person_id == person.id)).all()
            roles = s.exec(select(RoleGrant.role).where(RoleGrant.person_id == person.id)).all()
            departments = s.exec(select(Department.name).join(
                Liaison, Liaison.department_id == Department.id).where(
                Liaison.person_id == person.id)).all()
            found[person.name] = (sorted(groups), sorted(roles), sorted(departments),
                                  person.active)
        return found


def _import(engine, path: Path, keep: bool = False):
    with unit_of_work(engine) as session:
        return import_roster(session, path, NOW, invite_days=30, keep=keep)


def test_reimport_removes_what_the_file_no_longer_says(examples_loaded, tmp_path) -> None:
    engine = examples_loaded
    before = _relations(engine)
    result = _import(engine, _update_file(tmp_path))
    after = _relations(engine)
    assert after["周明远"][0] == [("禾丰镇代表小组", False)]
    assert after["吴秀芬"][0] == [("第一执法检查组", True), ("青石镇代表小组", False)]
    assert after["秦海波"][1] == []
    assert after["杨丽萍"][2] == ["县商务局"]
    assert after["沈立新"] == ([], [Role.STAFF.value], [], False)
    assert {name: after[name] for name in UNLISTED} == {name: before[name] for name in UNLISTED}
    assert result.removed == [
        Removed("周明远", "13500000101", groups=["优化营商环境工作专班"]),
        Removed("吴秀芬", "13500000102", leads=["青石镇代表小组"]),
        Removed("杨丽萍", "13500000112", departments=["县住房和城乡建设局"]),
        Removed("秦海波", "13500000114", roles=[Role.STAFF.value]),
    ]
    assert result.inactive == [("沈立新", "13500000110")]
    assert (result.created, result.updated, result.changed) == (0, 5, 4)
    assert result.added == {"liaisons": 1}


def test_keep_only_adds(examples_loaded, tmp_path) -> None:
    engine = examples_loaded
    before = _relations(engine)
    result = _import(engine, _update_file(tmp_path), keep=True)
    after = _relations(engine)
    assert result.removed == []
    assert after["杨丽萍"][2] == ["县住房和城乡建设局", "县商务局"]
    assert {k: v for k, v in after.items() if k != "杨丽萍"} == {
        k: v for k, v in before.items() if k != "杨丽萍"}


def _on(settings, engine):
    return settings.model_copy(
        update={"database_url": engine.url.render_as_string(hide_password=False)})


def test_dry_run_writes_nothing_and_lists_removals_per_person(examples_loaded, settings,
                                                              tmp_path) -> None:
    engine = examples_loaded
    before = _relations(engine)
    outcome = import_roster_file(_on(settings, engine), _update_file(tmp_path), dry_run=True)
    assert outcome.ok, outcome.text
    assert _relations(engine) == before
    lines = outcome.text.splitlines()
    assert lines[:4] == [
        "已读取 update.csv（UTF-8 编码）",
        "预演（--dry-run）：以下是导入将做的更改，数据库没有任何改动。",
        "将新建 0 人，将更新 5 人（其中 4 人有变化），将发放邀请码 0 个，将跳过 0 行",
        "新增：代表小组成员 0，组长 0，角色 0，联络员 1",
    ]
    assert lines[4:9] == [
        "将移除名单不再列出的关系（4 人）：",
        "  周明远 13500000101：退出代表小组 优化营商环境工作专班",
        "  吴秀芬 13500000102：不再担任组长 青石镇代表小组",
        "  杨丽萍 13500000112：不再担任联络员 县住房和城乡建设局",
        "  秦海波 13500000114：取消角色 工作人员",
    ]
    assert lines[9] == "名单中有 1 人已停用，导入后仍保持停用：沈立新 13500000110"


def test_normal_run_prints_what_it_removed(examples_loaded, settings, tmp_path) -> None:
    engine = examples_loaded
    english = _on(settings, engine).model_copy(update={"locale": "en"})
    outcome = import_roster_file(english, _update_file(tmp_path))
    assert outcome.ok, outcome.text
    assert "removed what the roster no longer lists, for 4 people:" in outcome.text.splitlines()
    removed = "  吴秀芬 13500000102: no longer squad leader of 青石镇代表小组"
    assert removed in outcome.text.splitlines()
    assert _relations(engine)["秦海波"][1] == []
    again = import_roster_file(english, _update_file(tmp_path))
    assert "nothing to remove." in again.text.splitlines()


def test_keep_run_says_it_removed_nothing(examples_loaded, settings, tmp_path) -> None:
    outcome = import_roster_file(_on(settings, examples_loaded), _update_file(tmp_path),
                                 keep=True)
    assert "--keep：只增加，不移除任何关系。" in outcome.text.splitlines()
    assert "移除" not in outcome.text.replace("不移除", "")


def test_skipped_row_leaves_its_person_untouched(examples_loaded, tmp_path) -> None:
    engine = examples_loaded
    before = _relations(engine)
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n周明远,13500000101,村,禾丰镇,禾丰镇代表小组,,\n",
                    encoding="utf-8")
    with unit_of_work(engine) as session:
        result = import_roster(session, path, NOW, invite_days=30, skip_bad=True)
    assert [p.row for p in result.skipped] == [2]
    assert result.removed == []
    assert _relations(engine) == before

"""Parsing and validation rules for one roster row: phone, level, groups, roles."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from storage.models import GroupKind, Level
from storage.phones import normalize_phone
from storage.roster_kinds import parse_kinds
from storage.roster_problems import Problem, problem

COL_NAME, COL_PHONE, COL_LEVEL, COL_TOWNSHIP = "姓名", "手机", "代表层级", "乡镇"
COL_GROUPS, COL_ROLES, COL_WECOM, COL_KIND = "小组", "角色", "企业微信账号", "小组类别"
REQUIRED_COLUMNS = (COL_NAME, COL_PHONE, COL_LEVEL, COL_TOWNSHIP, COL_GROUPS)
OPTIONAL_COLUMNS = (COL_ROLES, COL_WECOM, COL_KIND)

NAME_MAX, TOWNSHIP_MAX, GROUP_MAX, DEPARTMENT_MAX, WECOM_MAX = 50, 50, 100, 100, 64
_LIST_SEPARATORS = re.compile(r"[、;；,，\n]")
_LEVEL_BY_FIRST_CHAR = {
    "省": Level.PROVINCIAL, "市": Level.MUNICIPAL, "县": Level.COUNTY, "区": Level.COUNTY,
    "乡": Level.TOWNSHIP, "镇": Level.TOWNSHIP,
}


@dataclass
class RosterRow:
    """One valid roster row, normalised and ready to write."""

    row: int
    name: str
    phone: str
    level: Level | None
    township: str | None
    wecom_userid: str | None
    groups: list[str] = field(default_factory=list)
    leader_of: set[str] = field(default_factory=set)
    staff: bool = False
    leadership: bool = False
    departments: list[str] = field(default_factory=list)


@dataclass
class _Roles:
    """The parsed 角色 cell."""

    delegate: bool = False
    leader_all: bool = False
    leader_of: list[str] = field(default_factory=list)
    staff: bool = False
    leadership: bool = False
    departments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def non_delegate(self) -> bool:
        """True when the row names a role that needs no delegate level."""
        return self.staff or self.leadership or bool(self.departments)


def split_list(cell: str) -> list[str]:
    """Split a multi-value cell on 、 ; ； , ， or newlines, dropping blanks and repeats."""
    items = (item.strip() for item in _LIST_SEPARATORS.split(cell or ""))
    return list(dict.fromkeys(item for item in items if item))


def parse_level(raw: str) -> Level | None:
    """Map 全国/省/市/县/乡 (or 省级, 县级人大代表, the English value …) to a Level."""
    text = (raw or "").strip()
    if not text:
        return None
    if text.startswith("全国"):
        return Level.NATIONAL
    if text.lower() in {level.value for level in Level}:
        return Level(text.lower())
    return _LEVEL_BY_FIRST_CHAR.get(text[0])


def department_short_name(name: str) -> str:
    """The department name without a trailing 局 or 委员会, cut to the column width."""
    for suffix in ("委员会", "局"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name.removesuffix(suffix)
            break
    return name[:20]


def _split_role(token: str) -> tuple[str, str]:
    head, _, arg = token.replace("：", ":").partition(":")
    return head.strip(), arg.strip()


def parse_roles(cell: str) -> _Roles:
    """Parse the 角色 cell: 代表, 组长[:组名], 工作人员, 领导, 联络员:部门名."""
    roles = _Roles()
    for token in split_list(cell):
        head, arg = _split_role(token)
        if head == "代表" and not arg:
            roles.delegate = True
        elif head == "组长" and arg:
            roles.leader_of.append(arg)
        elif head == "组长":
            roles.leader_all = True
        elif head == "工作人员" and not arg:
            roles.staff = True
        elif head == "领导" and not arg:
            roles.leadership = True
        elif head == "联络员" and arg and len(arg) <= DEPARTMENT_MAX:
            roles.departments.append(arg)
        elif head == "联络员":
            roles.problems.append(problem("roster.row.liaison_needs_department", role=token))
        else:
            roles.problems.append(problem("roster.row.unknown_role", role=token))
    return roles


def _check_name(name: str) -> list[Problem]:
    if not name:
        return [problem("roster.row.missing_name")]
    if len(name) > NAME_MAX:
        return [problem("roster.row.name_too_long", length=len(name), limit=NAME_MAX)]
    return []


def _check_leaders(roles: _Roles, groups: list[str]) -> list[Problem]:
    problems = [problem("roster.row.leader_not_on_row", group=name)
                for name in roles.leader_of if name not in groups]
    if roles.leader_all and not groups:
        problems.append(problem("roster.row.leader_without_group"))
    return problems


def _check_level(raw: str, level: Level | None, roles: _Roles) -> list[Problem]:
    if level is not None:
        return []
    if not raw.strip() and roles.non_delegate and not (roles.delegate or roles.leader_all
                                                        or roles.leader_of):
        return []
    return [problem("roster.row.unknown_level", level=raw.strip())]


def _check_other(township: str, wecom: str, groups: list[str]) -> list[Problem]:
    problems = [problem("roster.row.group_too_long", group=name)
                for name in groups if len(name) > GROUP_MAX]
    if len(township) > TOWNSHIP_MAX:
        problems.append(problem("roster.row.township_too_long", township=township))
    if len(wecom) > WECOM_MAX:
        problems.append(problem("roster.row.wecom_too_long", wecom=wecom))
    return problems


def row_kinds(row: Mapping[str, str], groups: list[str]) -> tuple[dict[str, GroupKind],
                                                                   list[Problem]]:
    """The kinds the 小组类别 cell gives the row's groups: one for all, or one per group."""
    kinds, problems = parse_kinds(split_list(row.get(COL_KIND, "")))
    if problems or not kinds:
        return {}, problems
    if len(kinds) == 1:
        return dict.fromkeys(groups, kinds[0]), []
    if len(kinds) != len(groups):
        return {}, [problem("roster.row.kind_count", kinds=len(kinds), groups=len(groups))]
    return dict(zip(groups, kinds, strict=True)), []


def parse_row(row_no: int, row: Mapping[str, str]) -> tuple[RosterRow | None, list[Problem]]:
    """Validate one row on its own; return the parsed row, or None and every reason it is bad.

    Group kinds are checked across the whole file (storage.roster_groups), not here.
    """
    name, raw_phone = row.get(COL_NAME, "").strip(), row.get(COL_PHONE, "").strip()
    raw_level, township = row.get(COL_LEVEL, ""), row.get(COL_TOWNSHIP, "").strip()
    wecom, groups = row.get(COL_WECOM, "").strip(), split_list(row.get(COL_GROUPS, ""))
    phone, level, roles = normalize_phone(raw_phone), parse_level(raw_level), parse_roles(
        row.get(COL_ROLES, ""))
    problems = _check_name(name)
    problems += [] if phone else [problem("roster.row.malformed_phone", phone=raw_phone)]
    problems += _check_level(raw_level, level, roles)
    problems += roles.problems + _check_leaders(roles, groups) + _check_other(
        township, wecom, groups)
    if problems:
        return None, problems
    leader_of = set(groups) if roles.leader_all else set(roles.leader_of)
    return RosterRow(row_no, name, phone, level, township or None, wecom or None, groups,
                     leader_of, roles.staff, roles.leadership,
                     list(dict.fromkeys(roles.departments))), []

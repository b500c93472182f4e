"""Each group's kind, township and area, decided from the roster file and the database."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from storage.models import Group, GroupKind
from storage.roster_kinds import (
    DELEGATE_GROUP,
    KIND_LABELS,
    NAME_ENDINGS,
    group_kind,
    parse_kind,
)
from storage.roster_problems import Problem, RowProblem, problem

SHEET_NAME_COLUMNS = ("小组名称", "小组", "名称")
SHEET_KIND_COLUMNS = ("小组类别", "类别")
SHEET_AREA_COLUMNS = ("监督领域", "领域")
SHEET_TOWNSHIP_COLUMNS = ("乡镇",)
GROUP_NAME_MAX = 100


@dataclass(frozen=True)
class GroupSpec:
    """What a group should be: its kind, township and area; `explicit` when the file says so."""

    kind: GroupKind
    township: str | None = None
    area_id: int | None = None
    explicit: bool = False


@dataclass(frozen=True)
class _Declared:
    kind: GroupKind
    township: str | None
    sheet: str | None
    row: int


class GroupPlanner:
    """Collects the kinds the file declares, then answers each group's spec.

    A kind declared in the 小组 sheet or the 小组类别 column wins; else an existing group keeps
    its kind; else the name decides (group_kind). Two different declarations are a problem.
    """

    def __init__(self, existing: Mapping[str, Group], townships: Collection[str]) -> None:
        self.existing, self.townships = existing, set(townships)
        self.declared: dict[str, _Declared] = {}
        self.areas: dict[str, int] = {}
        self.listed: set[str] = set()  # groups the 小组 sheet lists, created even when empty

    def declare(self, name: str, kind: GroupKind, where: tuple[str | None, int],
                township: str | None = None) -> list[Problem]:
        """Record that the file gives `name` this kind (at sheet, row); conflicts are problems."""
        known = self.declared.get(name)
        if known is None:
            self.declared[name] = _Declared(kind, self._township(name, kind, township), *where)
            return []
        if known.kind == kind:
            return []
        values = {"group": name, "kind": kind, "other": known.kind, "row": known.row}
        if known.sheet:
            return [problem("roster.row.kind_conflict_sheet", sheet=known.sheet, **values)]
        return [problem("roster.row.kind_conflict", **values)]

    def _township(self, name: str, kind: GroupKind, given: str | None) -> str | None:
        if kind != GroupKind.TOWNSHIP:
            return None
        implied = group_kind(name, self.townships)
        if implied and implied[0] == GroupKind.TOWNSHIP:
            return implied[1]
        stem = name.removesuffix(DELEGATE_GROUP)
        return stem if stem and stem != name else (given or name)

    def spec(self, name: str) -> GroupSpec | None:
        """The group's spec, or None when nothing places it."""
        area_id = self.areas.get(name)
        declared = self.declared.get(name)
        if declared is not None:
            return GroupSpec(declared.kind, declared.township, area_id, explicit=True)
        group = self.existing.get(name)
        if group is not None:
            return GroupSpec(GroupKind(group.kind), group.township, area_id or group.area_id)
        implied = group_kind(name, self.townships)
        return GroupSpec(implied[0], implied[1], area_id) if implied else None

    def unplaced(self, names: list[str]) -> list[Problem]:
        """A problem for every name whose kind nothing tells, saying what is accepted."""
        return [problem("roster.row.unknown_group_kind", group=name, endings=list(NAME_ENDINGS))
                for name in names if self.spec(name) is None]


def _first(row: Mapping[str, str], columns: tuple[str, ...]) -> str:
    return next((row[c].strip() for c in columns if row.get(c, "").strip()), "")


def _sheet_row(planner: GroupPlanner, row: Mapping[str, str], where: tuple[str, int],
               areas: Mapping[str, int]) -> list[Problem]:
    """Check and record one row of the 小组 sheet."""
    name, label = _first(row, SHEET_NAME_COLUMNS), _first(row, SHEET_KIND_COLUMNS)
    area, township = _first(row, SHEET_AREA_COLUMNS), _first(row, SHEET_TOWNSHIP_COLUMNS)
    if not name:
        return [problem("roster.sheet.missing_group")]
    if len(name) > GROUP_NAME_MAX:
        return [problem("roster.row.group_too_long", group=name)]
    kind, reasons = parse_kind(label), []
    if label and kind is None:
        reasons.append(problem("roster.row.unknown_kind_label", label=label,
                               accepted=list(KIND_LABELS)))
    if area and area not in areas:
        reasons.append(problem("roster.sheet.unknown_area", area=area, areas=list(areas))
                       if areas else problem("roster.sheet.no_areas", area=area))
    if not reasons:
        reasons = (planner.declare(name, kind, where, township or None) if kind is not None
                   else planner.unplaced([name]))
    if reasons:
        return reasons
    if area:
        planner.areas[name] = areas[area]
    planner.listed.add(name)
    return []


def declare_sheet(planner: GroupPlanner, sheet: str, rows: list[dict[str, str]],
                  areas: Mapping[str, int]) -> list[RowProblem]:
    """Record the groups the 小组 sheet lists; its bad rows (header is row 1) as problems."""
    problems = []
    for index, row in enumerate(rows):
        if not any(row.values()):
            continue
        reasons = _sheet_row(planner, row, (sheet, index + 2), areas)
        if reasons:
            problems.append(RowProblem(index + 2, tuple(reasons), sheet=sheet))
    return problems

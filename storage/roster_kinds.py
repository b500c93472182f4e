"""Group kinds: the labels of the 小组类别 column and what a group's name implies."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from storage.models import GroupKind
from storage.roster_problems import Problem, problem

KIND_LABELS = {  # the 小组类别 values, as the campaign documents write them
    "执法检查组": GroupKind.INSPECTION,
    "工作专班": GroupKind.TASK_SQUAD,
    "专项代表小组": GroupKind.THEMATIC,
    "乡镇代表小组": GroupKind.TOWNSHIP,
    "基层工作组": GroupKind.GRASSROOTS,
}
_KIND_ALIASES = {  # short forms people type, and the stored values
    "执法检查": GroupKind.INSPECTION, "专班": GroupKind.TASK_SQUAD,
    "专项小组": GroupKind.THEMATIC, "专项": GroupKind.THEMATIC,
    "乡镇小组": GroupKind.TOWNSHIP, "乡镇": GroupKind.TOWNSHIP,
    "基层": GroupKind.GRASSROOTS, **{kind.value: kind for kind in GroupKind},
}
_KIND_BY_SUFFIX = (
    ("执法检查组", GroupKind.INSPECTION),
    ("工作专班", GroupKind.TASK_SQUAD),
    ("专班", GroupKind.TASK_SQUAD),
    ("专项代表小组", GroupKind.THEMATIC),
    ("专项小组", GroupKind.THEMATIC),
    ("基层工作组", GroupKind.GRASSROOTS),
)
DELEGATE_GROUP = "代表小组"
TOWNSHIP_ENDINGS = ("街道", "镇", "乡")
# the name endings the import recognises, for messages about names it cannot place
NAME_ENDINGS = ("执法检查组", "工作专班", "专项代表小组", DELEGATE_GROUP, "基层工作组")


def parse_kind(label: str) -> GroupKind | None:
    """The kind a 小组类别 label names (执法检查组, 工作专班, …), or None."""
    text = (label or "").strip()
    return KIND_LABELS.get(text) or _KIND_ALIASES.get(text.lower())


def parse_kinds(labels: Iterable[str]) -> tuple[list[GroupKind], list[Problem]]:
    """Kinds for labels; an unknown label is a problem naming the accepted ones."""
    kinds, problems = [], []
    for label in labels:
        kind = parse_kind(label)
        if kind is None:
            problems.append(problem("roster.row.unknown_kind_label", label=label,
                                    accepted=list(KIND_LABELS)))
        else:
            kinds.append(kind)
    return kinds, problems


def _bare(township: str) -> str:
    """A township name without its 镇/乡/街道 ending."""
    for ending in TOWNSHIP_ENDINGS:
        if township.endswith(ending) and len(township) > len(ending):
            return township.removesuffix(ending)
    return township


def township_named(stem: str, townships: Collection[str]) -> str | None:
    """The township of the roster's 乡镇 column that `stem` names (with or without 镇/乡)."""
    if stem in townships:
        return stem
    bare = _bare(stem)
    return next((t for t in sorted(townships) if t and (_bare(t) == stem or t == bare)), None)


def group_kind(name: str,
               townships: Collection[str] = ()) -> tuple[GroupKind, str | None] | None:
    """The kind a group's name implies, with the township for township groups.

    Any "…代表小组" is a township group when the part before 代表小组 is a township of the
    roster or ends in 镇/乡/街道, and a thematic group otherwise.
    """
    for suffix, kind in _KIND_BY_SUFFIX:
        if name.endswith(suffix):
            return kind, None
    stem = name.removesuffix(DELEGATE_GROUP)
    if not stem or stem == name:
        return None
    township = township_named(stem, townships)
    if township:
        return GroupKind.TOWNSHIP, township
    if _bare(stem) != stem:
        return GroupKind.TOWNSHIP, stem
    return GroupKind.THEMATIC, None

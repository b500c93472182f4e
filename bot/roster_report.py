"""The roster import's report for the office, in the operator's language (LIANDONG_LOCALE)."""

from __future__ import annotations

from pathlib import Path

from bot.i18n import Translator
from storage.models import GroupKind, Role
from storage.roster import ImportResult
from storage.roster_problems import Problem, RosterError, RosterFileError, RowProblem
from storage.roster_sync import Removed


def _value(t: Translator, value: object) -> object:
    """A placeholder value in words: kinds and roles translated, lists joined."""
    if isinstance(value, GroupKind):
        return t(f"group_kind.{value.value}")
    if isinstance(value, Role):
        return t(f"role.{value.value}")
    if isinstance(value, list | tuple):
        return t("common.list_sep").join(str(_value(t, item)) for item in value)
    return value


def describe(t: Translator, item: Problem) -> str:
    """One problem as a sentence."""
    return t(item.key, **{name: _value(t, value) for name, value in item.values.items()})


def describe_row(t: Translator, row: RowProblem) -> str:
    """A bad row: where it is and every reason."""
    reasons = t("roster.report.reason_sep").join(describe(t, reason) for reason in row.reasons)
    if row.sheet:
        return t("roster.report.sheet_row", sheet=row.sheet, row=row.row, reasons=reasons)
    if row.imported:
        return t("roster.report.row_imported", row=row.row, reasons=reasons)
    return t("roster.report.row", row=row.row, reasons=reasons)


def rejected(t: Translator, path: Path, error: RosterError | RosterFileError) -> str:
    """Why nothing was imported: the file's faults, or every bad row."""
    if isinstance(error, RosterFileError):
        lines = [t("roster.report.file_rejected", file=path.name)]
        lines += ["  " + describe(t, item) for item in error.problems]
        return "\n".join(lines)
    lines = [t("roster.report.rejected", file=path.name, count=len(error.problems))]
    lines += ["  " + describe_row(t, row) for row in error.problems]
    lines.append(t("roster.report.hint_skip_bad"))
    return "\n".join(lines)


def _role(t: Translator, value: str) -> str:
    return t(f"role.{value}") if value in {role.value for role in Role} else value


def _removal(t: Translator, removed: Removed) -> str:
    sep = t("common.list_sep")
    parts = [t(key, items=sep.join(items)) for key, items in (
        ("roster.report.removed_groups", removed.groups),
        ("roster.report.removed_leads", removed.leads),
        ("roster.report.removed_roles", [_role(t, role) for role in removed.roles]),
        ("roster.report.removed_departments", removed.departments)) if items]
    return t("roster.report.removed_person", name=removed.name, phone=removed.phone,
             what=t("roster.report.reason_sep").join(parts))


def _removals(t: Translator, result: ImportResult, dry_run: bool, keep: bool) -> list[str]:
    if keep:
        return [t("roster.report.keep")]
    if not result.removed:
        return [t("roster.report.nothing_removed")]
    key = "roster.report.removed_dry" if dry_run else "roster.report.removed"
    return [t(key, count=len(result.removed))] + [
        "  " + _removal(t, removed) for removed in result.removed]


def _groups(t: Translator, result: ImportResult) -> list[str]:
    lines = []
    if result.new_groups:
        groups = t("common.list_sep").join(
            t("roster.report.new_group", group=name, kind=_value(t, kind))
            for name, kind in result.new_groups)
        lines.append(t("roster.report.new_groups", count=len(result.new_groups), groups=groups))
    lines += [t("roster.report.regrouped", group=name, old=_value(t, old), new=_value(t, new))
              for name, old, new in result.regrouped]
    return lines


def _summary(t: Translator, result: ImportResult, dry_run: bool) -> list[str]:
    key = "roster.report.summary_dry" if dry_run else "roster.report.summary"
    added = result.added
    return [t(key, created=result.created, updated=result.updated, changed=result.changed,
              invites=result.invites_issued, skipped=len(result.skipped)),
            t("roster.report.added", memberships=added["memberships"], leads=added["leads"],
              roles=added["roles"], liaisons=added["liaisons"])]


def imported(t: Translator, path: Path, result: ImportResult, dry_run: bool,
             keep: bool) -> str:
    """What the import did, or with `dry_run` would do."""
    lines = [t("roster.report.read", file=path.name, source=t(f"roster.source.{result.source}"))]
    if dry_run:
        lines.append(t("roster.report.dry_run"))
    lines += [t("roster.report.ignored_sheet", sheet=sheet) for sheet in result.ignored_sheets]
    lines += _summary(t, result, dry_run) + _groups(t, result)
    lines += _removals(t, result, dry_run, keep)
    if result.inactive:
        people = t("common.list_sep").join(f"{name} {phone}" for name, phone in result.inactive)
        lines.append(t("roster.report.inactive", count=len(result.inactive), people=people))
    if result.skipped:
        lines.append(t("roster.report.skipped"))
        lines += ["  " + describe_row(t, row) for row in result.skipped]
    return "\n".join(lines)

"""Problems found in a roster: catalog keys with values, by row and sheet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """Something wrong or worth saying: a catalog key and the values for its placeholders."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


def problem(key: str, **values: object) -> Problem:
    """A problem with its placeholder values."""
    return Problem(key, values)


@dataclass(frozen=True)
class RowProblem:
    """A bad row: its spreadsheet row number (header is row 1), its sheet, and why.

    `imported` marks a row imported without the groups it names (only with skip-bad).
    """

    row: int
    reasons: tuple[Problem, ...]
    sheet: str | None = None
    imported: bool = False


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster (type, encoding, columns)."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.key for p in self.problems))


class RosterError(Exception):
    """The roster cannot be imported as it is; `problems` lists every bad row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = list(problems)
        rows = ", ".join(str(p.row) for p in self.problems)
        super().__init__(f"{len(self.problems)} bad row(s) in the roster: {rows}")

"""Reading a roster file: CSV in UTF-8 or GB18030 (Chinese Excel), or XLSX with a 小组 sheet."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from storage.roster_groups import SHEET_NAME_COLUMNS
from storage.roster_problems import RosterFileError, problem
from storage.roster_rules import COL_NAME, REQUIRED_COLUMNS

GROUP_SHEET = "小组"
UTF8, UTF8_BOM, GB18030, XLSX = "utf8", "utf8_bom", "gb18030", "xlsx"  # catalog: roster.source.*
SOURCES = (UTF8, UTF8_BOM, GB18030, XLSX)


@dataclass
class RosterTable:
    """The rows of a roster (keyed by header), how it was read, and the optional 小组 sheet."""

    rows: list[dict[str, str]]
    source: str
    group_sheet: str | None = None
    group_rows: list[dict[str, str]] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)


def _cell(value: object) -> str:
    """A spreadsheet value as stripped text; whole floats (Excel phone numbers) lose the .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _records(table: list[list[object]]) -> tuple[list[str], list[dict[str, str]]]:
    """Header and data rows; blank rows stay (all empty) so index + 2 is the row number."""
    header = [_cell(value) for value in table[0]] if table else []
    rows = [{key: _cell(value) for key, value in zip_longest(header, values) if key}
            for values in table[1:]]
    while rows and not any(rows[-1].values()):
        rows.pop()
    return header, rows


def decode_csv(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and its encoding: UTF-8 (with or without BOM), else GB18030."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), UTF8_BOM
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), GB18030
    except UnicodeDecodeError as exc:
        raise RosterFileError(problem("roster.file.encoding", file=name)) from exc


def _read_csv(path: Path) -> RosterTable:
    text, encoding = decode_csv(path.read_bytes(), path.name)
    table = [list(record) for record in csv.reader(io.StringIO(text, newline=""))]
    return RosterTable(_checked(*_records(table)), encoding)


def _checked(header: list[str], rows: list[dict[str, str]]) -> list[dict[str, str]]:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise RosterFileError(*(problem("roster.file.missing_column", column=column)
                                for column in missing))
    return rows


def _sheet_rows(sheet) -> tuple[list[str], list[dict[str, str]]]:
    return _records([list(values) for values in sheet.iter_rows(values_only=True)])


def _group_sheet(workbook, people_sheet) -> tuple[object | None, list[str]]:
    """The sheet listing groups (named 小组, else the second one) and the sheets left unread."""
    others = [s for s in workbook.worksheets if s is not people_sheet]
    named = next((s for s in others if s.title == GROUP_SHEET), None)
    chosen = named or (others[0] if others else None)
    return chosen, [s.title for s in others if s is not chosen]


def _read_workbook(workbook) -> RosterTable:
    people = workbook.worksheets[0]
    if people.title == GROUP_SHEET and len(workbook.worksheets) > 1:
        people = workbook.worksheets[1]
    table = RosterTable(_checked(*_sheet_rows(people)), XLSX)
    groups, table.ignored_sheets = _group_sheet(workbook, people)
    if groups is None:
        return table
    header, rows = _sheet_rows(groups)
    if COL_NAME in header or not any(column in header for column in SHEET_NAME_COLUMNS):
        if groups.title == GROUP_SHEET:
            raise RosterFileError(problem("roster.file.group_sheet_columns", sheet=GROUP_SHEET,
                                          columns=list(SHEET_NAME_COLUMNS)))
        table.ignored_sheets.insert(0, groups.title)
        return table
    table.group_sheet, table.group_rows = groups.title, rows
    return table


def _read_xlsx(path: Path) -> RosterTable:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return _read_workbook(workbook)
    finally:
        workbook.close()


def read_table(path: Path) -> RosterTable:
    """Read a .csv or .xlsx roster; anything wrong with the file as a whole is RosterFileError."""
    path = Path(path)
    readers = {".csv": _read_csv, ".xlsx": _read_xlsx}
    suffix = path.suffix.lower()
    if suffix not in readers:
        raise RosterFileError(problem("roster.file.type", file=path.name, suffix=suffix))
    try:
        return readers[suffix](path)
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        raise RosterFileError(problem("roster.file.not_xlsx", file=path.name)) from exc
    except (OSError, csv.Error) as exc:
        raise RosterFileError(problem("roster.file.unreadable", file=path.name,
                                      error=str(exc))) from exc


def read_rows(path: Path) -> list[dict[str, str]]:
    """The data rows keyed by header; blank rows stay (all empty) so index + 2 is the row number."""
    return read_table(path).rows

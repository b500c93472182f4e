"""The streaming XLSX writer: autofilter, print setup and print titles, read back by openpyxl."""

from __future__ import annotations

import zipfile

from openpyxl import load_workbook

from storage.xlsx_stream import Column, PageSetup, Workbook

COLUMNS = [Column(12), Column(30, wrap=True), Column(8)]


def _write(path, rows: int, name: str = "问题清单", **options) -> None:
    with Workbook(path) as book:
        with book.sheet(name, COLUMNS, **options) as sheet:
            sheet.append(["编号", "描述", "天数"], bold=True)
            for n in range(rows):
                sheet.append([f"2026-{n:04d}", "路边垃圾堆放", n])
        with book.sheet("汇总", COLUMNS, False) as sheet:
            sheet.append(["合计", None, rows])


def test_autofilter_covers_the_header_and_every_row(tmp_path) -> None:
    path = tmp_path / "a.xlsx"
    _write(path, 2500, autofilter=True)  # more rows than one flush
    sheet = load_workbook(path)["问题清单"]
    assert sheet.auto_filter.ref == "A1:C2501"
    assert sheet.max_row == 2501 and sheet["C2501"].value == 2499


def test_an_empty_sheet_filters_its_header_row(tmp_path) -> None:
    path = tmp_path / "a.xlsx"
    _write(path, 0, autofilter=True)
    assert load_workbook(path)["问题清单"].auto_filter.ref == "A1:C1"


def test_page_setup_landscape_a4_one_page_wide_header_on_every_page(tmp_path) -> None:
    path = tmp_path / "a.xlsx"
    _write(path, 3, page=PageSetup(landscape=True, repeat_header=True))
    book = load_workbook(path)
    sheet = book["问题清单"]
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9)
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.print_options.gridLines and "&P" in sheet.oddFooter.center.text
    assert sheet.freeze_panes == "A2" and not sheet.auto_filter.ref
    other = book["汇总"]
    assert other.print_title_rows is None and not other.sheet_properties.pageSetUpPr.fitToPage


def test_print_titles_name_a_sheet_with_a_quote_in_its_name(tmp_path) -> None:
    path = tmp_path / "a.xlsx"
    _write(path, 1, name="O'Brien & Co", autofilter=True,
           page=PageSetup(repeat_header=True))
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert "'O''Brien &amp; Co'!$1:$1" in workbook
    assert "'O''Brien &amp; Co'!$A$1:$C$2" in workbook
    sheet = load_workbook(path)["O'Brien & Co"]
    assert sheet.print_title_rows == "$1:$1" and sheet.auto_filter.ref == "A1:C2"


def test_without_options_a_sheet_has_no_filter_nor_print_setup(tmp_path) -> None:
    path = tmp_path / "a.xlsx"
    _write(path, 3)
    with zipfile.ZipFile(path) as archive:
        assert b"definedNames" not in archive.read("xl/workbook.xml")
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"autoFilter" not in xml and b"pageSetup" not in xml and b"sheetPr" not in xml


def test_plain_rows_do_not_wrap(tmp_path) -> None:
    path = tmp_path / "a.xlsx"
    with Workbook(path) as book, book.sheet("s", COLUMNS) as sheet:
        sheet.append(["a", "wrapped"])
        sheet.append(["a", "runs on to the right"], plain=True)
    sheet = load_workbook(path)["s"]
    assert sheet["B1"].alignment.wrap_text and not sheet["B2"].alignment.wrap_text

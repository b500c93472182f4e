"""A roster CSV saved by Chinese Excel (GB18030/GBK) imports, and the report names the encoding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.i18n import Catalogs
from bot.roster_report import describe, imported
from storage.db import unit_of_work
from storage.models import Group, GroupKind, Person
from storage.roster import RosterFileError, import_roster, read_table

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ROWS = (
    "姓名,手机,代表层级,乡镇,小组,角色",
    "张伟,138 1234 5678,县,南关镇,南关镇代表小组、城乡建设代表小组,组长:城乡建设代表小组",
    "欧阳娜娜,+86 139-1234-5678,市,北坡乡,北坡乡代表小组、财政经济代表小组,",
    "司马光明,13712345678,乡,北坡乡,北坡乡代表小组、教科文卫代表小组,代表",
)


def _write(path, encoding: str) -> None:
    path.write_bytes(("\r\n".join(ROWS) + "\r\n").encode(encoding))


@pytest.mark.parametrize(("encoding", "source"), [
    ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-8", "utf8"), ("utf-8-sig", "utf8_bom")])
def test_csv_in_each_encoding_is_read(tmp_path, encoding: str, source: str) -> None:
    path = tmp_path / "名单.csv"
    _write(path, encoding)
    if encoding.startswith("gb"):
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")  # really not UTF-8
    table = read_table(path)
    assert table.source == source
    assert [row["姓名"] for row in table.rows] == ["张伟", "欧阳娜娜", "司马光明"]
    assert table.rows[0]["小组"] == "南关镇代表小组、城乡建设代表小组"


def test_gb18030_roster_imports_and_the_report_says_so(engine, tmp_path) -> None:
    path = tmp_path / "名单.csv"
    _write(path, "gb18030")
    with unit_of_work(engine) as session:
        result = import_roster(session, path, NOW, invite_days=30)
    assert (result.created, result.skipped, result.source) == (3, [], "gb18030")
    with unit_of_work(engine) as session:
        people = {p.name: p.phone for p in session.exec(select(Person))}
        kinds = {g.name: g.kind for g in session.exec(select(Group))}
    assert people == {"张伟": "13812345678", "欧阳娜娜": "13912345678",
                      "司马光明": "13712345678"}
    assert kinds["城乡建设代表小组"] == GroupKind.THEMATIC
    assert kinds["南关镇代表小组"] == GroupKind.TOWNSHIP
    chinese = imported(Catalogs().translator("zh_CN"), path, result, False, False)
    assert chinese.splitlines()[0] == "已读取 名单.csv（GB18030（GBK）编码）"
    english = imported(Catalogs().translator("en"), path, result, False, False)
    assert english.splitlines()[0] == "read 名单.csv (GB18030 (GBK))"


def test_bytes_that_are_no_known_encoding_are_a_file_problem(tmp_path) -> None:
    path = tmp_path / "坏.csv"
    path.write_bytes("姓名,手机,代表层级,乡镇,小组\n".encode() + b"\xff\xfe\x80\x81,1\n")
    with pytest.raises(RosterFileError) as caught:
        read_table(path)
    t = Catalogs().translator("zh_CN")
    assert [describe(t, p) for p in caught.value.problems] == [
        "坏.csv 既不是 UTF-8 也不是 GB18030（GBK）编码的文本，请另存为“CSV UTF-8”"]

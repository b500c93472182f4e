"""A real county's roster (418 delegates, 35 groups of every kind) imports with zero problems."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from storage.db import unit_of_work
from storage.models import Group, Membership, Person
from storage.roster import import_roster
from tests.county import make_county, write_csv, write_xlsx

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_the_generated_county_looks_real() -> None:
    county = make_county()
    names = [row[0] for row in county.rows]
    assert county.delegates == 418 and len(county.kinds) == 35
    assert {len(name) for name in names} >= {2, 3, 4}
    assert any(name.startswith(("欧阳", "司马", "诸葛", "上官")) for name in names)
    phones = [row[1] for row in county.rows]
    assert any(" " in p for p in phones) and any("-" in p for p in phones)
    assert any(p.startswith("+86") for p in phones)
    kinds = Counter(kind for kind, _ in county.kinds.values())
    assert sorted(kinds.values()) == [4, 7, 7, 17]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_county_roster_imports_with_zero_problems(engine, tmp_path, fmt: str) -> None:
    county = make_county()
    write = write_csv if fmt == "csv" else write_xlsx
    path = write(county, tmp_path / f"县名单.{fmt}")
    with unit_of_work(engine) as session:
        result = import_roster(session, path, NOW, invite_days=30)
    assert result.skipped == []
    assert (result.created, result.updated) == (len(county.rows), 0)
    assert result.source == ("gb18030" if fmt == "csv" else "xlsx")
    with unit_of_work(engine) as s:
        kinds = {g.name: (g.kind, g.township) for g in s.exec(select(Group))}
        delegates = s.exec(select(func.count()).select_from(Person).where(
            Person.level.is_not(None))).one()
        leaders = s.exec(select(func.count()).select_from(Membership).where(
            Membership.is_leader)).one()
    assert kinds == county.kinds
    assert delegates == 418
    assert leaders == 35


def test_skip_bad_drops_no_delegate(engine, tmp_path) -> None:
    county = make_county()
    path = write_csv(county, tmp_path / "县名单.csv")
    with unit_of_work(engine) as session:
        result = import_roster(session, path, NOW, invite_days=30, skip_bad=True)
    assert (result.created, result.skipped) == (len(county.rows), [])

"""Alembic migrations build exactly the models' schema and go down and up (SQLite, PostgreSQL)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

import storage
from storage.db import make_engine
from storage.migrate import downgrade, upgrade
from tests.support import REQUIRE_POSTGRES_ENV, postgres_available, postgres_url


def _all_models() -> None:
    """Import every storage module so every table is on SQLModel.metadata, not only env.py's."""
    for module in pkgutil.iter_modules(storage.__path__):
        if module.name != "migrations":
            importlib.import_module(f"storage.{module.name}")


def _differences(engine: Engine) -> list:
    _all_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _assert_round_trip(engine: Engine) -> None:
    upgrade(engine)
    assert _differences(engine) == []
    assert _tables(engine) == set(SQLModel.metadata.tables)
    downgrade(engine, "base")
    assert _tables(engine) == set()
    upgrade(engine)
    assert _differences(engine) == []
    assert _tables(engine) == set(SQLModel.metadata.tables)


def test_sqlite_migrations_match_the_models_and_round_trip(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _assert_round_trip(engine)
    finally:
        engine.dispose()


def test_sqlite_upgrade_twice_is_harmless(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    try:
        upgrade(engine)
        upgrade(engine)
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        engine.dispose()
        with engine.connect() as connection:  # a fresh connection gets them too
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        upgrade(engine)
        with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO membership (person_id, group_id, is_leader) VALUES (999, 999, 0)"))
    finally:
        engine.dispose()


@pytest.fixture
def fresh_postgres() -> Engine:
    """An engine on a database created for this test on the PostgreSQL server, dropped after."""
    url = make_url(postgres_url())
    reason = postgres_available(url.render_as_string(hide_password=False))
    if reason:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(reason)
        pytest.skip(reason)
    name = f"liandong_mig_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_postgres_migrations_match_the_models_and_round_trip(fresh_postgres) -> None:
    assert fresh_postgres.dialect.name == "postgresql"
    _assert_round_trip(fresh_postgres)

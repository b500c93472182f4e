"""Shared fixtures: a migrated database (SQLite or PostgreSQL), a frozen clock, the app."""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.activity_models
import storage.case_models
import storage.notice_models
import storage.survey_models
import storage.wecom_bot_lease
import storage.work_calendar  # noqa: F401  (registers case, notice, calendar tables for TRUNCATE)
from bot.app import App, build_app
from bot.config import Settings
from bot.core.clock import FrozenClock
from storage.db import make_engine, unit_of_work
from storage.demo import load_demo
from storage.migrate import upgrade
from tests.support import (
    POSTGRES_URL_ENV,
    REQUIRE_POSTGRES_ENV,
    postgres_available,
    with_search_path,
)

pytest_plugins = ["tests.telegram_support", "tests.wecom_support", "tests.wecom_bot_support"]

# Monday 2026-11-23, 10:00 in Shanghai.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _template_sqlite(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def _postgres_engine():
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        yield None
        return
    reason = postgres_available(url)
    if reason:
        if os.environ.get(REQUIRE_POSTGRES_ENV):
            pytest.fail(reason)
        pytest.skip(reason)
    schema = f"liandong_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(with_search_path(url, schema))
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def _template_sqlite_demo(_template_sqlite, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    shutil.copy(_template_sqlite, path)
    engine = make_engine(f"sqlite:///{path}")
    with unit_of_work(engine) as session:
        load_demo(session, START, 30)
    engine.dispose()
    return str(path)


@pytest.fixture
def engine(request, _template_sqlite, _postgres_engine, tmp_path):
    """A migrated database: SQLite by default, PostgreSQL when the run asks for it.

    On SQLite a test that uses `demo` starts from a copy of a database with the demo loaded.
    """
    if _postgres_engine is not None:
        _truncate(_postgres_engine)
        yield _postgres_engine
        return
    path = tmp_path / "liandong.db"
    demo_wanted = "demo" in request.fixturenames
    template = request.getfixturevalue("_template_sqlite_demo") if demo_wanted else _template_sqlite
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def _truncate(engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen on a Monday morning in Shanghai."""
    return FrozenClock(START)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings isolated from the environment and any .env file."""
    return Settings(_env_file=None, data_dir=tmp_path / "data", telegram_token=None,
                    database_url="sqlite://", locale="zh_CN")


@pytest.fixture
def app(settings, engine, clock) -> App:
    """The wired application on the test database."""
    return build_app(settings, engine, clock)


@pytest.fixture
def demo(engine) -> None:
    """The demo county, loaded as of START (on SQLite it came with the database copy)."""
    with unit_of_work(engine) as session:
        load_demo(session, START, 30)

"""Engine creation (SQLite in WAL mode with real transactions, or PostgreSQL) and sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Session, create_engine

READ_ONLY = "liandong_read_only"  # execution option: a SQLite transaction that only reads


def make_engine(url: str, echo: bool = False) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys, a busy timeout and real transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy's documented pysqlite recipe: stop the driver from issuing (and committing)
    # transactions of its own, so BEGIN comes from `_sqlite_begin` and a SAVEPOINT issued before
    # any write no longer runs as a transaction of its own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once: two processes queue (busy_timeout) instead of one
    # failing when its read snapshot goes stale at its first write. Readers stay DEFERRED.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


@contextmanager
def unit_of_work(engine: Engine, read_only: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error.

    `read_only` (a promise, not enforced) lets SQLite readers run beside a writer.
    """
    with Session(engine, expire_on_commit=False) as session:
        if read_only:
            session.connection(execution_options={READ_ONLY: True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

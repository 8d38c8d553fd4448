"""SQLite set-up: WAL, foreign keys, busy timeout, and write transactions begun immediately."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from api.db import create_db_engine, open_session
from api.migrations import upgrade
from api.models.candidates import Candidate


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}", busy_timeout_ms=50)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_pragmas(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 50


def test_foreign_keys_are_enforced(sqlite_engine: Engine) -> None:
    with open_session(sqlite_engine, mode="write") as session:
        session.add(Candidate(full_name="x", country="MA", agency_id=12345))
        with pytest.raises(IntegrityError):
            session.commit()


def test_a_write_session_takes_the_write_lock_at_its_first_statement(
    sqlite_engine: Engine,
) -> None:
    """Two writers queue at BEGIN (and the second times out), instead of both reading and the
    second failing at its first write; readers are never blocked (WAL)."""
    with open_session(sqlite_engine, mode="write") as first:
        first.connection().exec_driver_sql("SELECT 1")
        with open_session(sqlite_engine, mode="read") as reader:
            count = reader.connection().exec_driver_sql("SELECT count(*) FROM candidates")
            assert count.scalar() == 0
        with (
            open_session(sqlite_engine, mode="write") as second,
            pytest.raises(OperationalError, match="locked"),
        ):
            second.connection().exec_driver_sql("SELECT 1")
    with open_session(sqlite_engine, mode="write") as third:  # released at the end of `first`
        third.connection().exec_driver_sql("SELECT 1")


def test_uncommitted_writes_are_rolled_back(sqlite_engine: Engine) -> None:
    with open_session(sqlite_engine, mode="write") as session:
        session.connection().exec_driver_sql(
            "INSERT INTO organisations (name, kind, created_at) VALUES ('o', 'agency', '2026')"
        )
    with open_session(sqlite_engine, mode="read") as session:
        count = session.connection().exec_driver_sql("SELECT count(*) FROM organisations")
        assert count.scalar() == 0

"""SQLite set-up: WAL, foreign keys, busy timeout, and write transactions begun immediately."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
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


_OTHER_PROCESS_WRITES = """
import sys
from api.db import create_db_engine, open_session
engine = create_db_engine(sys.argv[1], busy_timeout_ms=50)
with open_session(engine, mode="write") as session:
    seen = session.connection().exec_driver_sql("SELECT count(*) FROM organisations").scalar()
    session.connection().exec_driver_sql(
        "INSERT INTO organisations (name, kind, created_at) VALUES ('second', 'agency', '2026')"
    )
    session.commit()
print(seen)
"""


def test_writers_of_other_processes_queue_on_the_file_lock(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Another process's writer waits for the lock file (however long the first writes), not in
    SQLite's busy handler (it would give up after its 50 ms); it then sees the first's row."""
    with open_session(sqlite_engine, mode="write") as first:
        first.connection().exec_driver_sql(
            "INSERT INTO organisations (name, kind, created_at) VALUES ('first', 'agency', '2026')"
        )
        with (
            open(tmp_path / "db.sqlite-writer.lock", "rb") as lock_file,
            pytest.raises(BlockingIOError),  # held, for every process to see
        ):
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        other = subprocess.Popen(
            [sys.executable, "-c", _OTHER_PROCESS_WRITES, str(sqlite_engine.url)],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)  # the other process starts and reaches the lock; it must still wait
        assert other.poll() is None
        first.commit()
    out, _ = other.communicate(timeout=60)
    assert other.returncode == 0
    assert out.strip() == "1"  # it began after the first committed
    with open(tmp_path / "db.sqlite-writer.lock", "rb") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by both


def test_writers_of_one_process_take_turns(sqlite_engine: Engine) -> None:
    """Many threads writing at once through one engine all succeed, none lost."""
    engine = create_db_engine(str(sqlite_engine.url), busy_timeout_ms=5_000)

    def write(i: int) -> None:
        with open_session(engine, mode="write") as session:
            session.connection().exec_driver_sql(
                "INSERT INTO organisations (name, kind, created_at) "
                f"VALUES ('o{i}', 'agency', '2026')"
            )
            session.commit()

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(write, range(200)))
    with open_session(engine, mode="read") as session:
        count = session.connection().exec_driver_sql("SELECT count(*) FROM organisations")
        assert count.scalar() == 200
    engine.dispose()


def test_the_write_lock_is_released_only_after_commit(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """When the process's writer lock is handed on, SQLite's own lock must be free too: the
    next writer would otherwise wait in SQLite's polling busy handler. A listener that runs
    after the engine's own "commit" listener sees what the next writer would see."""
    seen: list[bool] = []

    def next_writer_can_begin(_connection: object) -> None:
        other = sqlite3.connect(tmp_path / "db.sqlite", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(True)
        except sqlite3.OperationalError:
            seen.append(False)
        finally:
            other.close()

    event.listen(sqlite_engine, "commit", next_writer_can_begin)
    with open_session(sqlite_engine, mode="write") as session:
        session.connection().exec_driver_sql(
            "INSERT INTO organisations (name, kind, created_at) VALUES ('o', 'agency', '2026')"
        )
        session.commit()
    event.remove(sqlite_engine, "commit", next_writer_can_begin)
    assert seen == [True]
    with open_session(sqlite_engine, mode="read") as session:
        count = session.connection().exec_driver_sql("SELECT count(*) FROM organisations")
        assert count.scalar() == 1  # committed once, by the engine's listener


def test_uncommitted_writes_are_rolled_back(sqlite_engine: Engine) -> None:
    with open_session(sqlite_engine, mode="write") as session:
        session.connection().exec_driver_sql(
            "INSERT INTO organisations (name, kind, created_at) VALUES ('o', 'agency', '2026')"
        )
    with open_session(sqlite_engine, mode="read") as session:
        count = session.connection().exec_driver_sql("SELECT count(*) FROM organisations")
        assert count.scalar() == 0


def test_disposing_the_engine_closes_its_lock_file(tmp_path: Path) -> None:
    """One descriptor per engine and process, given back with the engine (tests and commands
    make many engines)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    lock = str(tmp_path / "db.sqlite-writer.lock")

    def open_on_lock() -> int:
        return sum(
            os.path.realpath(f"/proc/self/fd/{fd}") == lock for fd in os.listdir("/proc/self/fd")
        )

    with open_session(engine, mode="write") as session:
        session.connection().exec_driver_sql("SELECT 1")
    assert open_on_lock() == 1
    engine.dispose()
    assert open_on_lock() == 0
    with open_session(engine, mode="write") as session:  # still usable: opened again
        session.connection().exec_driver_sql("SELECT 1")
    assert open_on_lock() == 1
    engine.dispose()

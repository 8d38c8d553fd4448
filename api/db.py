"""Database engines and sessions.

SQLite (the default, a file) is set up for a multi-threaded web server: WAL journal, foreign
keys enforced, a busy timeout, and write transactions begun with ``BEGIN IMMEDIATE`` so that two
writers queue on the lock up-front instead of failing half-way with "database is locked". This
is the pysqlite recipe from the SQLAlchemy SQLite dialect docs: the driver's own transaction
handling is switched off and SQLAlchemy's ``begin`` event emits ``BEGIN`` itself. Writers also
queue on a lock first (``WriterLock``: within the process, then across processes on a file
lock), so that they are served in turn instead of polling in SQLite's busy handler.

PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).

Whether a transaction writes is an execution option on the connection (``WRITE``): a session
from ``write_session(engine)`` begins immediately, one from ``read_session(engine)`` does not.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

__all__ = [
    "SessionMode",
    "WriterLock",
    "create_db_engine",
    "for_writing",
    "is_sqlite",
    "new_session",
    "open_session",
    "reader_beside",
    "session_mode",
]

SessionMode = Literal["read", "write"]

#: Execution option carried by connections of write sessions.
_WRITE_OPTION = "mobility_match_write"
#: Key in a connection's ``info`` while it holds its engine's writer lock.
_HOLDS_WRITER_LOCK = "mobility_match_holds_writer_lock"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_db_engine(url: str, *, busy_timeout_ms: int = 5_000, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, busy timeout, BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {}
        if make_url(url).database not in (None, "", ":memory:"):
            # A connection per request thread (FastAPI's pool has 40) and then some: a writer
            # waiting for the lock holds its connection, so a small pool could leave the
            # lock's holder waiting for a connection until a timeout (SQLite's are cheap).
            pool = {"pool_size": 16, "max_overflow": 48}
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **pool,
        )
        _configure_sqlite(engine, busy_timeout_ms=busy_timeout_ms)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Stop pysqlite from emitting its own BEGIN (and COMMIT before DDL); see _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        finally:
            cursor.close()

    # Writers queue on a lock (blocking, no polling) before they queue on the database's
    # (SQLite's busy handler polls with growing sleeps, so under load a waiter can starve past
    # the timeout while newcomers get in first).
    writer_lock = WriterLock(None if in_memory else engine.url.database)
    event.listen(engine, "engine_disposed", lambda _engine: writer_lock.close())

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(_WRITE_OPTION, False):
            connection.exec_driver_sql("BEGIN")
            return
        if not writer_lock.acquire(timeout_s=busy_timeout_ms / 1000):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        connection.info[_HOLDS_WRITER_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    @event.listens_for(engine, "commit")
    def _commit_then_release(connection: Connection) -> None:
        # This event fires *before* SQLAlchemy's own COMMIT: releasing the lock here would let
        # the next writer reach BEGIN IMMEDIATE while SQLite's lock is still held, and wait in
        # the polling busy handler. So COMMIT here (SQLAlchemy's then finds no transaction open:
        # a no-op) and release after it; if COMMIT fails, the caller's rollback releases.
        if connection.info.get(_HOLDS_WRITER_LOCK, False):
            connection.exec_driver_sql("COMMIT")
            _release(connection)

    @event.listens_for(engine, "rollback")
    def _release(connection: Connection) -> None:
        if connection.info.pop(_HOLDS_WRITER_LOCK, False):
            writer_lock.release()


class WriterLock:
    """The right to write a SQLite database: first a lock among this process's threads (waited
    for at most ``timeout_s``), then, for a file database, an exclusive ``flock`` of
    ``<database>-writer.lock`` among processes (server workers, the round worker, commands).

    The kernel queues the processes (no polling) and releases the file lock of a process that
    dies. Only one thread per process waits for it, and that one without a time limit: the
    holder is another process's transaction (an import, a round's results), which ends."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = None if database is None else f"{database}-writer.lock"
        #: The lock file, opened by this process (a child of a fork must not share the parent's
        #: open file: a ``flock`` belongs to it, so the two would hold the lock together).
        self._file: tuple[int, int] | None = None  # (pid, descriptor)

    def acquire(self, *, timeout_s: float) -> bool:
        if not self._threads.acquire(timeout=timeout_s):
            return False
        if self._path is not None:
            try:
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise
        return True

    def release(self) -> None:
        if self._path is not None:
            fcntl.flock(self._descriptor(), fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Close this process's lock file, unless a writer holds the lock (it is opened again
        on the next write)."""
        if self._file is None or not self._threads.acquire(blocking=False):
            return
        try:
            pid, descriptor = self._file
            if pid == os.getpid():
                os.close(descriptor)
            self._file = None
        finally:
            self._threads.release()

    def _descriptor(self) -> int:
        assert self._path is not None
        pid = os.getpid()
        if self._file is None or self._file[0] != pid:
            descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._file = (pid, descriptor)
        return self._file[1]


def for_writing(engine: Engine) -> Engine:
    """``engine`` whose transactions take the write lock at BEGIN (SQLite; a no-op elsewhere)."""
    return engine.execution_options(**{_WRITE_OPTION: True})


def session_mode(session: Session) -> SessionMode:
    """Whether ``session`` came from ``new_session(..., mode="write")`` or a read one."""
    options = session.get_bind().get_execution_options()
    return "write" if options.get(_WRITE_OPTION, False) else "read"


def reader_beside(session: Session) -> Session:
    """A read session on ``session``'s database (its own connection and transaction, no write
    lock): to read before ``session``'s write transaction begins. The caller closes it."""
    reading = session.get_bind().execution_options(**{_WRITE_OPTION: False})
    return Session(reading, expire_on_commit=False)


def new_session(engine: Engine, *, mode: SessionMode) -> Session:
    """A session whose transactions begin immediately when ``mode="write"``; the caller closes
    it. Creating one does no I/O (it connects on first use); closing it may (a rollback)."""
    bind = for_writing(engine) if mode == "write" else engine
    options: dict[str, Any] = {"expire_on_commit": False}
    return Session(bind, **options)


@contextmanager
def open_session(engine: Engine, *, mode: SessionMode) -> Iterator[Session]:
    """``new_session``, closed on exit.

    The session does not commit by itself: the caller commits; anything uncommitted is rolled
    back on exit.
    """
    with new_session(engine, mode=mode) as session:
        yield session

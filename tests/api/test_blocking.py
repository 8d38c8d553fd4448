"""A route's blocking work in one thread hop (``api.routes._blocking.run_blocking``): the
session is closed in that hop whatever the work did — what it did not commit rolled back, its
connection and SQLite's write lock given back."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import QueuePool
from sqlmodel import select

from api.db import SessionMode, new_session, open_session
from api.models.candidates import Candidate
from api.models.organisations import Organisation
from api.routes._blocking import REQUEST_THREADS, run_blocking


def _checked_out(engine: Engine) -> int:
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


def test_a_failing_write_is_rolled_back_and_gives_back_its_connection(engine: Engine) -> None:
    session = new_session(engine, mode="write")

    def write() -> None:
        session.add(Candidate(full_name="x", country="MA", agency_id=12345))  # no such agency
        session.flush()

    with pytest.raises(IntegrityError):
        asyncio.run(run_blocking(session, write))
    assert not session.in_transaction()
    assert _checked_out(engine) == 0
    with open_session(engine, mode="write") as other:  # the write lock was released too
        assert other.connection().exec_driver_sql("SELECT count(*) FROM candidates").scalar() == 0


def test_the_answer_comes_back_and_what_was_not_committed_is_rolled_back(
    engine: Engine,
) -> None:
    session = new_session(engine, mode="write")

    def write() -> int:
        session.add(Organisation(name="Uncommitted", kind="agency"))
        session.flush()
        return 7

    assert asyncio.run(run_blocking(session, write)) == 7
    assert not session.in_transaction()
    assert _checked_out(engine) == 0
    with open_session(engine, mode="read") as reader:
        assert (
            reader.exec(select(Organisation).where(Organisation.name == "Uncommitted")).all() == []
        )


def test_hops_of_each_kind_run_a_few_at_a_time_and_reads_pass_blocked_writes(
    engine: Engine,
) -> None:
    """At most ``REQUEST_THREADS`` hops of one kind run at once (more would only fight over
    the interpreter lock); reads are not held up by writers that wait."""
    release_writers = threading.Event()
    running = {"read": 0, "write": 0}
    most = {"read": 0, "write": 0}
    lock = threading.Lock()

    def work(mode: SessionMode) -> None:
        with lock:
            running[mode] += 1
            most[mode] = max(most[mode], running[mode])
        try:
            if mode == "write":
                release_writers.wait(timeout=30)
            else:
                time.sleep(0.02)
        finally:
            with lock:
                running[mode] -= 1

    async def scenario() -> None:
        writes = [
            asyncio.ensure_future(run_blocking(new_session(engine, mode="write"), work, "write"))
            for _ in range(6)
        ]
        reads = [run_blocking(new_session(engine, mode="read"), work, "read") for _ in range(6)]
        await asyncio.wait_for(asyncio.gather(*reads), timeout=30)  # while writers are stuck
        assert not any(w.done() for w in writes)
        release_writers.set()
        await asyncio.wait_for(asyncio.gather(*writes), timeout=30)

    asyncio.run(scenario())
    assert most == {"read": REQUEST_THREADS, "write": REQUEST_THREADS}

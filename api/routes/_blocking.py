"""A route's blocking work in one thread hop.

A plain ``def`` route costs the event loop several hand-offs to the thread pool per request:
one for the route, one more for FastAPI to validate its answer (it does that in the pool for a
sync route), and one for the session dependency to close the session. An ``async def`` route
that hands all of its database work — the session's close included — to ``run_blocking`` pays
one: its answer is validated on the loop (a model instance of the response type: a type
check), and ``deps.get_session`` then finds nothing open and closes on the loop too.

A route that needs no session before its hop (no object loaded by a dependency) takes none:
``run_in_session`` opens one for the hop alone, which spares the request the session
dependency as well (a generator dependency: the costliest kind for FastAPI to solve).

Only ``REQUEST_THREADS`` hops of each kind (reading, writing) run at once; the others wait
their turn in order. The threads share one interpreter lock, so more of them doing CPU work
at once go no faster: they take turns every few milliseconds, and the switching costs CPU and
makes waits unequal (measured at 20 clients, one process: 40 threads → 2 cut a candidate
GET's server CPU from 3.3 to 1.8 ms and POST's p95 from 296 to 170 ms). Reads and writes
queue apart, so that reads go on while writers wait for SQLite's write lock (an import can
hold it for seconds). Long jobs (imports, rounds) run in FastAPI's ordinary pool.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Request
from sqlmodel import Session

from api.db import SessionMode, session_mode
from api.deps import request_session

__all__ = ["run_blocking", "run_in_session"]

P = ParamSpec("P")
R = TypeVar("R")

#: Hops of one kind (reading, writing) that run at once, per server process.
REQUEST_THREADS = 2

_limiters: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[SessionMode, CapacityLimiter]
] = weakref.WeakKeyDictionary()


def _limiter(mode: SessionMode) -> CapacityLimiter:
    """The running loop's limiter for ``mode`` (a limiter belongs to one loop)."""
    loop = asyncio.get_running_loop()
    limiters = _limiters.get(loop)
    if limiters is None:
        limiters = _limiters[loop] = {
            "read": CapacityLimiter(REQUEST_THREADS),
            "write": CapacityLimiter(REQUEST_THREADS),
        }
    return limiters[mode]


async def run_blocking(
    session: Session, work: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
) -> R:
    """``work(*args, **kwargs)`` in the thread pool, then ``session.close()`` in the same
    thread, whatever ``work`` did (returned, raised): what it did not commit is rolled back and
    the connection (and SQLite's write lock) given back before the answer is sent.

    A client that goes away does not cut this short: the pool's thread runs to its end."""

    def work_then_close() -> R:
        try:
            return work(*args, **kwargs)
        finally:
            session.close()

    return await anyio.to_thread.run_sync(work_then_close, limiter=_limiter(session_mode(session)))


async def run_in_session(
    request: Request,
    work: Callable[Concatenate[Session, P], R],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """``work(session, *args, **kwargs)`` with a new session for ``request``
    (``deps.request_session``: a write session unless the method is safe), in one thread hop
    that closes it (``run_blocking``). The session exists for that hop only."""
    session = request_session(request)
    return await run_blocking(session, work, session, *args, **kwargs)

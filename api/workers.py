"""Several server processes that share the connections evenly.

uvicorn's own ``--workers`` gives every process the same listening socket and lets their event
loops race for it: the loop that wakes first accepts every connection already queued, so
kept-alive clients that connect together pile onto one process while the other idles. And the
sockets it accepts from the socket its supervisor binds lose ``TCP_NODELAY`` (uvicorn issue
#3149), so each kept-alive answer after the first waits for the client's delayed ACK (~40 ms).

Here each worker process accepts in a thread of its own with a *blocking* ``accept()``: Linux
wakes one blocked acceptor per connection, in the order they began to wait, so connections go
round-robin among the processes. The thread sets ``TCP_NODELAY`` and hands the socket to the
process's event loop, where uvicorn's protocol serves it as usual.

The supervisor (``serve_balanced``) binds the socket, starts the workers (``spawn``: each
builds the app from the environment), restarts one that dies, and stops them all on SIGINT or
SIGTERM (each shuts down gracefully: uvicorn's own signal handling).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import multiprocessing
import signal
import socket
import threading
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

__all__ = ["BalancedServer", "Loads", "serve_balanced"]

logger = logging.getLogger("mobility_match.serve")

_spawn = multiprocessing.get_context("spawn")

#: ``accept()`` errors that concern one connection, or pass (too many open files for now).
_PASSING_ERRORS = frozenset(
    {
        errno.ECONNABORTED,
        errno.EPROTO,
        errno.EPERM,
        errno.EMFILE,
        errno.ENFILE,
        errno.ENOBUFS,
        errno.ENOMEM,
    }
)

#: A worker that dies within this many seconds of its start is not restarted (it would only die
#: again: a broken configuration, say); the supervisor stops instead.
_MIN_LIFETIME_S = 10.0


#: How long an acceptor holding more connections than another worker leaves the next
#: connection to it before taking it anyway (the other may be busy, or stuck).
_DEFER_S = 0.02


class Loads:
    """How many connections each worker holds, in memory shared by the processes: -1 while a
    worker is not accepting (starting, ending). Slots are read and written without a lock (a
    slightly stale count only makes the balance approximate)."""

    def __init__(self, workers: int) -> None:
        self._counts = _spawn.Array("i", [-1] * workers, lock=False)

    def publish(self, slot: int, count: int) -> None:
        self._counts[slot] = count

    def busier_than_another(self, slot: int, count: int) -> bool:
        """Whether a worker holding ``count`` holds more than some other accepting worker."""
        return any(0 <= other < count for i, other in enumerate(self._counts) if i != slot)


class BalancedServer(uvicorn.Server):
    """A uvicorn server that takes its connections from a blocking ``accept()`` on the given
    listening socket, in a thread, instead of racing other processes for it in the loop. With
    ``loads``, a worker that holds more connections than another lets that one take the next.
    """

    def __init__(
        self, config: uvicorn.Config, *, loads: Loads | None = None, slot: int = 0
    ) -> None:
        super().__init__(config)
        self.loads = loads
        self.slot = slot
        self._pending = 0  # accepted, not yet handed to the loop
        self._pending_lock = threading.Lock()

    def held(self) -> int:
        """Connections this worker holds (open, or accepted and on their way to the loop)."""
        return len(self.server_state.connections) + self._pending

    def _publish(self) -> None:
        if self.loads is not None:
            self.loads.publish(self.slot, -1 if self.should_exit else self.held())

    def _adjust_pending(self, change: int) -> None:
        with self._pending_lock:
            self._pending += change

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        if not sockets:
            raise ValueError("BalancedServer needs the listening socket")
        # No listener of uvicorn's own: lifespan, state and ``started`` only.
        await super().startup(sockets=[])
        loop = asyncio.get_running_loop()
        config = self.config

        def protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=self.server_state, app_state=self.lifespan.state
            )

        def adopt(connection: socket.socket) -> None:
            self._adjust_pending(-1)
            if self.should_exit:
                connection.close()
                return
            task = loop.create_task(loop.connect_accepted_socket(protocol, connection))
            task.add_done_callback(_log_failure)

        def publish_periodically() -> None:  # connections also end without the acceptor
            self._publish()
            if not self.should_exit:
                loop.call_later(0.05, publish_periodically)

        def accept_forever(listener: socket.socket) -> None:
            while not self.should_exit:
                deadline = time.monotonic() + _DEFER_S
                while (
                    self.loads is not None
                    and self.loads.busier_than_another(self.slot, self.held())
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.001)
                try:
                    connection, _address = listener.accept()
                except OSError as exc:
                    if exc.errno in _PASSING_ERRORS:
                        time.sleep(0.01)  # the next connection may well succeed
                        continue
                    logger.error("cannot accept connections: %s", exc.strerror)
                    self.should_exit = True  # the supervisor starts another worker
                    return
                self._adjust_pending(+1)
                self._publish()
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connection.setblocking(False)
                try:
                    loop.call_soon_threadsafe(adopt, connection)
                except RuntimeError:  # the loop has closed: the process is ending
                    connection.close()
                    return

        if self.loads is not None:
            publish_periodically()
        for listener in sockets:
            threading.Thread(
                target=accept_forever, args=(listener,), name="accept", daemon=True
            ).start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.loads is not None:
            self.loads.publish(self.slot, -1)  # take no more of the others' share
        await super().shutdown(sockets=sockets)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a connection could not be set up: %s", type(task.exception()).__name__)


def _run_worker(config: uvicorn.Config, listener: socket.socket, loads: Loads, slot: int) -> None:
    """The body of a worker process: serves until told to stop, or until the supervisor is
    gone (killed, say), so that no worker outlives it."""
    config.configure_logging()
    server = BalancedServer(config, loads=loads, slot=slot)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def exit_with_parent(sentinel: int) -> None:
            wait([sentinel])
            server.should_exit = True

        threading.Thread(
            target=exit_with_parent, args=(parent.sentinel,), name="parent", daemon=True
        ).start()
    server.run(sockets=[listener])


def serve_balanced(config: uvicorn.Config, *, workers: int) -> int:
    """Serve ``config`` (an app given as an import string) with ``workers`` processes; return
    the exit status."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    listener = config.bind_socket()
    listener.listen(config.backlog)
    listener.setblocking(True)  # the acceptor threads block in accept()
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: list[tuple[BaseProcess, float]] = []
    loads = Loads(workers)
    status = 0
    try:
        for slot in range(workers):
            processes.append(_start(config, listener, loads, slot))
        while not stop.is_set():
            ended = wait([process.sentinel for process, _ in processes], timeout=0.5)
            for index, (process, started) in enumerate(processes):
                if process.sentinel not in ended or stop.is_set():
                    continue
                process.join()
                logger.error("worker %s ended with status %s", process.pid, process.exitcode)
                if time.monotonic() - started < _MIN_LIFETIME_S:
                    status = 1
                    stop.set()
                    break
                loads.publish(index, -1)
                processes[index] = _start(config, listener, loads, index)
    finally:
        for process, _ in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn shuts the worker down gracefully
        for process, _ in processes:
            process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        listener.close()
    return status


def _start(
    config: uvicorn.Config, listener: socket.socket, loads: Loads, slot: int
) -> tuple[BaseProcess, float]:
    process = _spawn.Process(
        target=_run_worker, args=(config, listener, loads, slot), name=f"worker-{slot}"
    )
    process.start()
    return process, time.monotonic()

"""Rounds run in worker processes, off the event loop: ``RoundRunner``.

The runner (created in ``lifespan``, closed at shutdown) keeps ``workers`` worker processes
(``api.round_worker.serve``, started with ``spawn`` when first needed; each loads the ESCO
taxonomy once) and a supervisor thread per worker. A supervisor takes the next queued round,
reads the programme's candidates and openings and converts them (``api.round_store``), sends
them to its worker, records each finished stage as progress, and stores the result in one
transaction when the worker answers.

Rounds outlive the service: ``close()`` (at shutdown) puts a running round back in the queue
and leaves queued ones queued; ``resume()`` (at start-up) queues every round still waiting, in
id order. Claiming a round is a conditional update, so when several server processes resume
at once, each round still runs once.

``stop(round_id)`` marks a queued or running round stopped in the database first, then, if a
worker is running it, kills that worker process (a new one is started for the next
round). Storing a result only succeeds while the round is still ``running``, so a stopped round
never gets a partial or late result. A round stopped by another server process (``serve
--workers N``: the stop request may reach any of them) is seen by the supervisor running it
at the worker's next stage or within ``stop_check_seconds``, and its worker is killed
the same way.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import Engine

from api import round_store
from api.round_worker import RoundJob, serve

__all__ = ["RoundRunner"]

logger = logging.getLogger("api")

_STOP = -1  # sentinel on the queue: a supervisor exits


class _Worker:
    """One worker process and the parent's end of its pipe (started lazily)."""

    def __init__(self, target: Callable[[Connection], None]) -> None:
        self.target = target
        self.process: BaseProcess | None = None
        self.connection: Connection | None = None
        self.round_id: int | None = None

    def ensure_started(self) -> Connection:
        if self.process is None or not self.process.is_alive() or self.connection is None:
            context = multiprocessing.get_context("spawn")
            parent, child = context.Pipe(duplex=True)
            process = context.Process(target=self.target, args=(child,), daemon=True)
            process.start()
            child.close()
            self.process, self.connection = process, parent
        return self.connection

    def kill(self) -> None:
        """End the worker at once (``SIGKILL``: it touches no database, so it has nothing to
        finish). Only this runner's threads may ``join`` the process: two threads reaping one
        child race, and the loser sees a killed process as alive."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        if self.connection is not None:
            self.connection.close()
        self.process, self.connection = None, None


class RoundRunner:
    """Runs queued rounds in ``workers`` worker processes; see the module docstring.

    ``target`` is the worker's main function (``api.round_worker.serve``; tests pass a slow
    one to stop a round while it runs). ``stop_check_seconds``: how often a supervisor whose
    worker is silent looks whether another process stopped its round.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        workers: int = 1,
        target: Callable[[Connection], None] = serve,
        stop_check_seconds: float = 1.0,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1; got {workers!r}")
        if stop_check_seconds <= 0:
            raise ValueError(f"stop_check_seconds must be > 0; got {stop_check_seconds!r}")
        self.engine = engine
        self.stop_check_seconds = stop_check_seconds
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._workers = [_Worker(target) for _ in range(workers)]
        self._closed = False
        self._threads = [
            threading.Thread(target=self._supervise, args=(w,), daemon=True, name="round-runner")
            for w in self._workers
        ]
        for thread in self._threads:
            thread.start()

    def warm_up(self) -> None:
        """Start the worker processes now (each loads the taxonomy while the caller goes on),
        rather than when the first round needs one."""
        with self._lock:
            for worker in self._workers:
                worker.ensure_started()

    def resume(self) -> int:
        """Queue every round the database holds as queued (left by an earlier process);
        how many."""
        waiting = round_store.queued_rounds(self.engine)
        for round_id in waiting:
            self._queue.put(round_id)
        return len(waiting)

    def submit(self, round_id: int) -> None:
        """Queue a round (already stored with status ``queued``)."""
        self._queue.put(round_id)

    def stop(self, round_id: int) -> bool:
        """Stop a queued or running round; False when it had already finished."""
        with self._lock:
            stopped = round_store.mark_stopped(self.engine, round_id)
            if stopped:
                for worker in self._workers:
                    if worker.round_id == round_id:
                        worker.kill()
        return stopped

    def close(self) -> None:
        """Terminate the workers; a round they were running goes back to the queue, and
        queued rounds stay queued, for the next start to resume."""
        if self._closed:
            return
        self._closed = True
        for _ in self._threads:
            self._queue.put(_STOP)
        with self._lock:
            interrupted = [w.round_id for w in self._workers if w.round_id is not None]
            for worker in self._workers:
                worker.kill()
        for thread in self._threads:
            thread.join(timeout=10)
        for round_id in interrupted:
            round_store.requeue(self.engine, round_id)

    # --- supervisor thread ----------------------------------------------------------------------

    def _stopped_elsewhere(self, worker: _Worker, round_id: int) -> None:
        """The round left ``running`` outside this runner (another process stopped it)."""
        with self._lock:
            if worker.round_id == round_id:
                worker.kill()

    def _supervise(self, worker: _Worker) -> None:
        while True:
            round_id = self._queue.get()
            if round_id == _STOP or self._closed:
                return
            try:
                self._run(worker, round_id)
            except Exception:  # a bug or a database outage: the round fails, the thread lives
                if self._closed:
                    return  # shutting down: close() puts the round back in the queue
                logger.exception("round %s failed", round_id)
                with self._lock:
                    worker.kill()  # it may still be working on the round nobody now watches
                round_store.mark_failed(self.engine, round_id, "internal error")
            finally:
                with self._lock:
                    worker.round_id = None

    def _run(self, worker: _Worker, round_id: int) -> None:
        with self._lock:
            policy = round_store.mark_running(self.engine, round_id)
            if policy is None:  # stopped while queued
                return
            worker.round_id = round_id
        candidates, openings = round_store.load_records(self.engine, round_id)
        job = RoundJob(round_id, candidates, openings, policy)
        with self._lock:
            if worker.round_id != round_id or self._closed:  # stopped or shutting down
                return
            connection = worker.ensure_started()
        try:
            connection.send(job)
            while True:
                if not connection.poll(self.stop_check_seconds):
                    if not round_store.is_running(self.engine, round_id):
                        self._stopped_elsewhere(worker, round_id)
                        return
                    continue
                message: tuple[str, Any] = connection.recv()
                kind, payload = message
                if kind == "stage":
                    if not round_store.record_stage(self.engine, round_id, payload):
                        self._stopped_elsewhere(worker, round_id)
                        return
                elif kind == "done":
                    round_store.store_result(self.engine, round_id, payload)
                    return
                else:
                    round_store.mark_failed(self.engine, round_id, str(payload))
                    return
        except (EOFError, OSError, BrokenPipeError):
            # The worker was terminated (stop or shutdown) or died: a stop already marked the
            # round, a shutdown requeues it; otherwise it failed.
            with self._lock:
                worker.kill()
            if not self._closed:
                round_store.mark_failed(self.engine, round_id, "the worker process ended")

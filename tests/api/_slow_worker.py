"""A stand-in round worker for tests (its own small module: a spawned worker imports it)."""

from __future__ import annotations

import time
from multiprocessing.connection import Connection


def slow_serve(connection: Connection) -> None:
    """Reports a first stage of each job, then works for a long time (until terminated)."""
    while True:
        connection.recv()
        connection.send(("stage", "validate"))
        time.sleep(600)

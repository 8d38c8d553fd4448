"""Rounds outlive the service: a shutdown puts a running round back in the queue, and the
next start resumes every queued round, each exactly once."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from api.round_runner import RoundRunner
from tests.api._slow_worker import slow_serve
from tests.api.factories import World, auth

URL = "/api/v1/rounds"


def _status(client: TestClient, token: str, round_id: int, want: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        body: dict[str, Any] = client.get(f"{URL}/{round_id}", headers=auth(token)).json()
        if body["status"] in want or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_shutdown_requeues_and_the_next_start_resumes(client: TestClient, world: World) -> None:
    app: Any = client.app
    app.state.round_runner.close()
    old = app.state.round_runner = RoundRunner(app.state.engine, target=slow_serve)
    first = client.post(URL, json={}, headers=auth(world.staff)).json()["id"]
    second = client.post(URL, json={}, headers=auth(world.staff)).json()["id"]
    assert _status(client, world.staff, first, {"running"})["status"] == "running"
    old.close()  # shutdown while `first` runs and `second` waits

    for round_id in (first, second):
        body = _status(client, world.staff, round_id, {"queued"})
        assert (body["status"], body["progress"], body["started_at"]) == ("queued", 0.0, None)

    # Two processes starting at once: both resume, each round still runs once.
    new = app.state.round_runner = RoundRunner(app.state.engine, workers=2)
    twin = RoundRunner(app.state.engine)
    try:
        assert new.resume() == 2
        twin.resume()
        for round_id in (first, second):
            body = _status(client, world.staff, round_id, {"done", "failed", "stopped"})
            assert body["status"] == "done", body["error"]
    finally:
        new.close()
        twin.close()
    assert not _busy(new) and not _busy(twin)


def _busy(runner: RoundRunner) -> bool:
    return any(w.round_id is not None for w in runner._workers)


def test_round_workers_setting_sizes_the_pool(client: TestClient) -> None:
    app: Any = client.app
    assert len(app.state.round_runner._workers) == app.state.settings.round_workers == 1

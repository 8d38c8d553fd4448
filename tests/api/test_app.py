"""The app's start-up and per-request resources: what start-up loaded is frozen out of the
garbage collector's sight only while the app runs, and every request gives its database
connection back, whatever its answer (a write that fails at the database included)."""

from __future__ import annotations

import gc
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import MakeToken

CANDIDATE = {"full_name": "Amina B", "country": "MA", "skills": "soudure TIG"}
#: Twice: the second fails at the database (the agency's reference is unique).
DUPLICATE = CANDIDATE | {"external_ref": "A-1"}


def test_start_up_freezes_and_shutdown_unfreezes(app: FastAPI) -> None:
    before = gc.get_freeze_count()
    with TestClient(app) as client:
        assert gc.get_freeze_count() > before
        assert client.get("/api/v1/health").status_code == 200
    assert gc.get_freeze_count() == 0


def test_every_request_returns_its_connection(client: TestClient, make_token: MakeToken) -> None:
    token = make_token(org="ANAPEC", kind="agency")
    auth = {"Authorization": f"Bearer {token}"}
    answers = [
        client.get("/api/v1/health").status_code,
        client.post("/api/v1/candidates", json=CANDIDATE, headers=auth).status_code,
        client.get("/api/v1/candidates/1", headers=auth).status_code,
        client.patch(
            "/api/v1/candidates/1", json={"experience_years": 3}, headers=auth
        ).status_code,
        client.get("/api/v1/candidates/999", headers=auth).status_code,
        client.post("/api/v1/candidates", json={"country": "MA"}, headers=auth).status_code,
        client.get("/api/v1/candidates/1", headers={"Authorization": "Bearer mm_nope"}).status_code,
        client.post("/api/v1/candidates", json=DUPLICATE, headers=auth).status_code,
        client.post("/api/v1/candidates", json=DUPLICATE, headers=auth).status_code,
        client.get("/api/v1/candidates?limit=5", headers=auth).status_code,
        client.delete("/api/v1/candidates/1", headers=auth).status_code,
    ]
    assert answers == [200, 201, 200, 200, 404, 422, 401, 201, 409, 200, 204]
    app: Any = client.app
    assert app.state.engine.pool.checkedout() == 0

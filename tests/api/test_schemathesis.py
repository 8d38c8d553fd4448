"""Property-based tests of the whole API from its OpenAPI document (schemathesis, in-process):
no server error on any input (valid or not), and every answer matches the documented schema.

Bounded (few examples per operation, SQLite only) so that it stays a quick part of the suite.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr
from schemathesis.core.result import Ok

from api.app import create_app
from api.auth import create_user
from api.db import open_session
from api.settings import Settings
from tests.api.factories import auth, candidate_body, opening_body


@pytest.fixture
def started_app(tmp_path: Path) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """The app on a SQLite file, started, with one agency and one employer and an object each."""
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'st.db'}", secret_key=SecretStr("s"))
    )
    with TestClient(app) as client:
        tokens: dict[str, str] = {}
        with open_session(app.state.engine, mode="write") as session:
            for kind, org in (("agency", "ANAPEC"), ("employer", "Bosch")):
                tokens[kind] = create_user(session, organisation=org, kind=kind)[1]  # type: ignore[arg-type]
        client.post("/api/v1/candidates", json=candidate_body(), headers=auth(tokens["agency"]))
        client.post("/api/v1/openings", json=opening_body(), headers=auth(tokens["employer"]))
        yield app, tokens


def test_api_conforms_to_its_schema(started_app: tuple[FastAPI, dict[str, str]]) -> None:
    """Every operation, a few generated cases each (schemathesis' pytest plugin does not run
    under this pytest, so Hypothesis drives each operation's strategy directly)."""
    app, tokens = started_app
    api_schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    # NUL characters are refused (422) but the schema cannot say so; tested in test_errors.
    api_schema.config.generation.update(allow_x00=False)
    operations = []
    for result in api_schema.get_all_operations():
        assert isinstance(result, Ok), result  # the document is valid
        operations.append(result.ok())
    assert len(operations) >= 11

    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):
        inputs = [*operation.path_parameters, *operation.query, *operation.body]
        if mode == schemathesis.GenerationMode.NEGATIVE and not inputs:
            continue  # nothing to make invalid
        token = tokens["employer"] if "/openings" in operation.path else tokens["agency"]

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=4,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=auth(token))  # noqa: B023 (run right here)

        check()

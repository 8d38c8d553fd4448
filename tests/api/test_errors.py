"""Errors and limits: 413 over the body limits, 422 with field details, a generic 500 for the
unexpected — never a traceback, never a submitted value echoed back or logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.deps import PUBLIC
from api.settings import Settings
from tests.api.factories import World, auth, candidate_body

URL = "/api/v1/candidates"


@pytest.fixture
def small_limits(tmp_path: Path) -> Iterator[TestClient]:
    """An app (SQLite) with a 2 kB JSON limit and a 4 kB upload limit, and a route that fails."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'limits.db'}",
        secret_key=SecretStr("s"),
        max_json_bytes=2_000,
        max_upload_bytes=4_000,
    )
    app = create_app(settings)

    @app.post("/boom", dependencies=[PUBLIC])
    def boom() -> None:
        raise RuntimeError("Amina Benali, born 1996-04-12")

    with TestClient(app) as client:
        yield client


def test_json_body_over_the_limit_is_413(small_limits: TestClient) -> None:
    response = small_limits.post(URL, json=candidate_body(skills="x" * 3_000))
    assert response.status_code == 413
    assert response.json() == {"detail": "request too large: the limit is 2000 bytes"}


def test_streamed_body_over_the_limit_is_413(small_limits: TestClient) -> None:
    """Without Content-Length (chunked), the bytes are counted as they arrive."""

    def chunks() -> Iterator[bytes]:
        yield b'{"full_name": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    response = small_limits.post(
        URL, content=chunks(), headers={"content-type": "application/json", **auth("mm_x")}
    )
    assert response.status_code == 413


def test_upload_content_types_get_the_upload_limit(small_limits: TestClient) -> None:
    csv = b"full_name,country\n" + b"Amina,MA\n" * 300  # ~2.7 kB: over JSON, under upload
    response = small_limits.post(URL, content=csv, headers={"content-type": "text/csv"})
    assert response.status_code != 413
    response = small_limits.post(URL, content=csv * 2, headers={"content-type": "text/csv"})
    assert response.status_code == 413


def test_unexpected_error_is_a_generic_500_logged_without_personal_data(
    small_limits: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="api"):
        response = small_limits.post("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["detail"] == "internal server error"
    assert "Amina" not in response.text and "Traceback" not in response.text
    assert body["error_id"] in caplog.text
    assert "RuntimeError" in caplog.text
    assert "Amina" not in caplog.text and "1996" not in caplog.text


def test_validation_errors_name_the_field_without_echoing_the_value(
    client: TestClient, world: World
) -> None:
    body = candidate_body(country="Maroc", full_name="", email="Amina at example")
    response = client.post(URL, json=body, headers=auth(world.agency_a))
    assert response.status_code == 422
    locs = sorted(tuple(p["loc"]) for p in response.json()["detail"])
    assert locs == [("body", "country"), ("body", "email"), ("body", "full_name")]
    assert "Amina at example" not in response.text


def test_strings_and_lists_over_their_limits_are_422(client: TestClient, world: World) -> None:
    too_long = {"full_name": 200, "skills": 5000, "languages": 1000, "external_ref": 64}
    for field, limit in too_long.items():
        body = candidate_body(**{field: "a" * (limit + 1)})
        response = client.post(URL, json=body, headers=auth(world.agency_a))
        assert response.status_code == 422, field
        assert response.json()["detail"][0]["loc"] == ["body", field]
    body = candidate_body(destinations=["DE"] * 31)
    assert client.post(URL, json=body, headers=auth(world.agency_a)).status_code == 422


def test_query_and_path_parameters_are_bounded(client: TestClient, world: World) -> None:
    bad_queries = ["limit=0", "limit=201", "after=-1", "country=de", "name=" + "a" * 201]
    for query in bad_queries:
        response = client.get(f"{URL}?{query}", headers=auth(world.staff))
        assert response.status_code == 422, query
    for candidate_id in ["0", "2147483648", "abc", "1e3"]:
        response = client.get(f"{URL}/{candidate_id}", headers=auth(world.staff))
        assert response.status_code == 422, candidate_id


def test_bad_credentials_are_401(client: TestClient) -> None:
    headers = ["Bearer", "Bearer ", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer mm_" + "x" * 500]
    for header in [None, *headers]:
        response = client.get(URL, headers={"Authorization": header} if header else {})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"] == "Bearer"


def test_nul_characters_are_refused_on_every_database(client: TestClient, world: World) -> None:
    body = candidate_body(full_name="Amina\u0000Benali")
    response = client.post(URL, json=body, headers=auth(world.agency_a))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "full_name"]
    response = client.get(URL, params={"name": "a\x00b"}, headers=auth(world.agency_a))
    assert response.status_code in (200, 422)  # PostgreSQL cannot search for it: 422


def test_malformed_json_is_422(client: TestClient, world: World) -> None:
    response = client.post(
        URL,
        content=b'{"full_name": ',
        headers={"content-type": "application/json", **auth(world.agency_a)},
    )
    assert response.status_code == 422


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}

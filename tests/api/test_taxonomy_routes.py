"""``/taxonomy`` (search, normalize) and the normaliser wired into profiles."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.factories import World, auth, candidate_body


def test_search_finds_an_esco_occupation_for_any_user(client: TestClient, world: World) -> None:
    for token in (world.agency_a, world.employer_e, world.staff):
        answer = client.get(
            "/api/v1/taxonomy/search",
            params={"q": "soudeur", "kind": "occupation", "lang": "fr", "limit": 3},
            headers=auth(token),
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["resolved"] is True
        assert len(body["matches"]) == 3
        assert "soud" in body["matches"][0]["label"].lower()
    assert client.get("/api/v1/taxonomy/search", params={"q": "x"}).status_code == 401


def test_normalize_keeps_order_and_limits_the_batch(client: TestClient, world: World) -> None:
    answer = client.post(
        "/api/v1/taxonomy/normalize",
        json={"texts": ["infirmier", "maçon"], "kind": "occupation", "top_k": 2},
        headers=auth(world.agency_a),
    )
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["text"] for r in results] == ["infirmier", "maçon"]
    assert all(len(r["matches"]) == 2 for r in results)
    too_many = {"texts": ["x"] * 1001, "kind": "skill"}
    assert (
        client.post(
            "/api/v1/taxonomy/normalize", json=too_many, headers=auth(world.agency_a)
        ).status_code
        == 422
    )
    too_long = {"texts": ["x" * 1001], "kind": "skill"}
    assert (
        client.post(
            "/api/v1/taxonomy/normalize", json=too_long, headers=auth(world.agency_a)
        ).status_code
        == 422
    )


def test_created_candidate_is_stored_with_concepts_levels_and_methods(
    client: TestClient, world: World
) -> None:
    created = client.post(
        "/api/v1/candidates", json=candidate_body(), headers=auth(world.agency_a)
    ).json()
    by_field: dict[str, list[dict[str, Any]]] = {}
    for concept in created["concepts"]:
        by_field.setdefault(concept["field"], []).append(concept)
    assert by_field["job_titles"][0]["concept_uri"].startswith(
        "http://data.europa.eu/esco/occupation/"
    )
    [diploma] = by_field["diplomas"]
    assert (diploma["concept_uri"], diploma["level"]) == ("http://data.europa.eu/snb/eqf/5", "5")
    languages = {c["concept_uri"].rsplit("/", 1)[-1]: c["level"] for c in by_field["languages"]}
    assert languages == {"ar": None, "fr": "C1", "de": "A2"}
    assert [c["source_text"] for c in by_field["skills"]] == ["soudure TIG", "lecture de plans"]
    assert all(c["method"] for c in created["concepts"])

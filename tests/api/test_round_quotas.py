"""Rounds with quotas through the service: the policy's quotas reach the core, the stored
result carries the price of fairness; a bad quota is 422 naming its field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.factories import World, auth, candidate_body, opening_body
from tests.api.test_rounds import URL, KeywordNormaliser, _wait


def test_round_with_a_quota_stores_the_price_of_fairness(client: TestClient, world: World) -> None:
    app: Any = client.app
    app.state.normaliser = KeywordNormaliser()
    # Two experienced men with both skills, two women with one: without a quota the men
    # take the opening's two places.
    genders = {}
    for i, (gender, skills) in enumerate(
        [
            ("male", "soudure TIG, lecture de plans"),
            ("male", "soudure TIG, lecture de plans"),
            ("female", "soudure TIG"),
            ("female", "soudure TIG"),
        ]
    ):
        body = candidate_body(
            email=f"p{i}@example.org",
            gender=gender,
            skills=skills,
            languages="allemand B2",
            experience_years=8 - i,
        )
        created = client.post("/api/v1/candidates", json=body, headers=auth(world.agency_a))
        assert created.status_code == 201, created.text
        genders[created.json()["id"]] = gender
    client.post(
        "/api/v1/openings", json=opening_body(capacity=2), headers=auth(world.employer_e)
    ).raise_for_status()

    quota = {"group": "gender", "value": "female", "min_share": 0.5}
    created = client.post(URL, json={"quotas": [quota]}, headers=auth(world.staff))
    assert created.status_code == 202, created.text
    done = _wait(client, created.json()["id"], world.staff, {"done", "failed", "stopped"})
    assert done["status"] == "done", done["error"]
    manifest = done["result"]["manifest"]
    assert manifest["solver"] == "quotas"
    report = manifest["quotas"]
    assert report["status"] == "met"
    assert report["price_of_fairness"] > 0
    assert report["price_of_fairness"] == report["unconstrained_total"] - report["total"]
    assert report["outcomes"][0]["lowest_share"] == 0.5
    rows = client.get(f"{URL}/{done['id']}/assignments", headers=auth(world.staff)).json()
    assert sorted(genders[r["candidate_id"]] for r in rows["items"]) == ["female", "male"]


def test_a_bad_quota_is_refused_naming_its_field(client: TestClient, world: World) -> None:
    bad = {"quotas": [{"group": "gender", "value": "female", "min_share": 2}]}
    response = client.post(URL, json=bad, headers=auth(world.staff))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "quotas", "0", "min_share"]
    stable = {"mode": "stable", "quotas": [{"group": "gender", "value": "f", "max_share": 1}]}
    response = client.post(URL, json=stable, headers=auth(world.staff))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "quotas"]
    assert client.get(URL, headers=auth(world.staff)).json()["total"] == 0

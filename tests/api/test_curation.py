"""The curation queue: unresolved texts are queued with guesses; a confirmation becomes a
synonym used by the next normalisation and re-resolves the rows holding the text."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.factories import World, auth, candidate_body

GIBBERISH = "qxzv brlmtk"


def _queue(client: TestClient, world: World) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/curation", headers=auth(world.staff))
    assert answer.status_code == 200
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_confirmation_becomes_a_synonym_for_later_normalisations(
    client: TestClient, world: World
) -> None:
    for token in (world.agency_a, world.agency_b):
        client.post(
            "/api/v1/candidates",
            json=candidate_body(skills=f"{GIBBERISH}; lecture de plans"),
            headers=auth(token),
        )
    [item] = [i for i in _queue(client, world) if i["text"] == GIBBERISH]
    assert (item["kind"], item["candidates"], item["status"]) == ("skill", 2, "open")
    assert item["guesses"]
    # Agencies and employers may not curate.
    assert client.get("/api/v1/curation", headers=auth(world.agency_a)).status_code == 403

    skill = client.get(
        "/api/v1/taxonomy/search",
        params={"q": "welding", "kind": "skill", "lang": "en", "limit": 1},
        headers=auth(world.staff),
    ).json()["matches"][0]["uri"]
    occupation = client.get(
        "/api/v1/taxonomy/search",
        params={"q": "welder", "kind": "occupation", "lang": "en", "limit": 1},
        headers=auth(world.staff),
    ).json()["matches"][0]["uri"]
    url = f"/api/v1/curation/{item['id']}/confirm"
    for bad in ("http://example.org/not-esco", occupation):
        answer = client.post(url, json={"concept_uri": bad}, headers=auth(world.staff))
        assert answer.status_code == 422, bad
    confirmed = client.post(url, json={"concept_uri": skill}, headers=auth(world.staff))
    assert confirmed.status_code == 200
    assert confirmed.json()["updated_rows"] == 2
    assert (
        client.post(url, json={"concept_uri": skill}, headers=auth(world.staff)).status_code == 409
    )

    # The rows that held the text were re-resolved ...
    listed = client.get("/api/v1/candidates", headers=auth(world.staff)).json()["items"]
    curated = [c for cand in listed for c in cand["concepts"] if c["source_text"] == GIBBERISH]
    assert [(c["concept_uri"], c["method"]) for c in curated] == [(skill, "curated")] * 2
    # ... and the next normalisation uses the synonym (case and spacing folded).
    later = client.post(
        "/api/v1/candidates",
        json=candidate_body(skills="QXZV   Brlmtk"),
        headers=auth(world.agency_a),
    ).json()
    [concept] = [c for c in later["concepts"] if c["field"] == "skills"]
    assert (concept["concept_uri"], concept["method"]) == (skill, "synonym")
    search = client.post(
        "/api/v1/taxonomy/normalize",
        json={"texts": [GIBBERISH], "kind": "skill"},
        headers=auth(world.employer_e),
    ).json()
    assert search["results"][0]["matches"][0]["uri"] == skill
    assert GIBBERISH not in [i["text"] for i in _queue(client, world)]


def test_dismissed_items_leave_the_queue(client: TestClient, world: World) -> None:
    client.post(
        "/api/v1/candidates", json=candidate_body(skills=GIBBERISH), headers=auth(world.agency_a)
    )
    [item] = [i for i in _queue(client, world) if i["text"] == GIBBERISH]
    answer = client.post(f"/api/v1/curation/{item['id']}/dismiss", headers=auth(world.admin))
    assert answer.json()["status"] == "dismissed"
    assert _queue(client, world) == [i for i in _queue(client, world) if i["id"] != item["id"]]
    assert all(i["text"] != GIBBERISH for i in _queue(client, world))

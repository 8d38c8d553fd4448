"""Synonyms confirmed in one server process reach the others (several uvicorn workers share
one database): each looks for new synonyms at most every ``synonym_refresh_seconds``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.curation import SynonymWatch
from api.settings import Settings
from skills_taxonomy.normalizer import Normalizer
from tests.api.factories import World, auth, candidate_body

GIBBERISH = "vrokt plamzig"


def _top(client: TestClient, token: str) -> str:
    body: dict[str, Any] = client.post(
        "/api/v1/taxonomy/normalize",
        json={"texts": [GIBBERISH], "kind": "skill"},
        headers=auth(token),
    ).json()
    matches = body["results"][0]["matches"]
    return str(matches[0]["uri"]) if matches else ""


def test_a_confirmation_in_one_process_reaches_another(
    client: TestClient, world: World, settings: Settings, normalizer: Normalizer
) -> None:
    other = create_app(
        settings.model_copy(update={"synonym_refresh_seconds": 0.0}), normalizer=normalizer
    )
    with TestClient(other) as second:
        skill = client.get(
            "/api/v1/taxonomy/search",
            params={"q": "welding", "kind": "skill", "lang": "en", "limit": 1},
            headers=auth(world.staff),
        ).json()["matches"][0]["uri"]
        assert _top(second, world.staff) != skill

        client.post(
            "/api/v1/candidates",
            json=candidate_body(skills=GIBBERISH),
            headers=auth(world.agency_a),
        )
        items = client.get("/api/v1/curation", headers=auth(world.staff)).json()["items"]
        [item] = [i for i in items if i["text"] == GIBBERISH]
        confirmed = client.post(
            f"/api/v1/curation/{item['id']}/confirm",
            json={"concept_uri": skill},
            headers=auth(world.staff),
        )
        assert confirmed.status_code == 200

        # The second process had its own normaliser; it picks the synonym up by itself.
        assert _top(second, world.staff) == skill
        created = second.post(
            "/api/v1/candidates",
            json=candidate_body(skills=GIBBERISH.upper()),
            headers=auth(world.agency_b),
        ).json()
        [concept] = [c for c in created["concepts"] if c["field"] == "skills"]
        assert (concept["concept_uri"], concept["method"]) == (skill, "synonym")


def test_the_watch_is_due_once_per_interval(client: TestClient) -> None:
    """Requests ask ``due()`` on the event loop and only hop to the pool for a look when due."""
    app: Any = client.app
    watch = SynonymWatch(app.state.engine, interval=3600.0)
    assert watch.due()
    watch.fresh(app.state.normaliser)
    assert not watch.due()
    assert SynonymWatch(app.state.engine, interval=0.0).due()

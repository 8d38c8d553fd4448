"""End to end: a real round (run in-process, as its worker would) stores its reserve lists,
staff publish it, a placement drops out and the best reserve the round ranked for that opening
who is not in the pipeline already is offered to staff."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db import open_session
from api.models.rounds import Round
from api.round_store import load_records, mark_running, store_result
from api.round_worker import RoundJob, run_job
from skills_taxonomy.normalizer import Normalizer
from tests.api.factories import World, auth
from tests.api.test_rounds import programme  # noqa: F401  (the fixture)

ROUNDS = "/api/v1/rounds"
PLACEMENTS = "/api/v1/placements"


def test_a_real_round_offers_its_stored_reserve_after_a_drop_out(
    client: TestClient,
    world: World,
    engine: Engine,
    normalizer: Normalizer,
    programme: dict[str, Any],  # noqa: F811
) -> None:
    with open_session(engine, mode="write") as session:
        found = Round(policy={"seed": 7})
        session.add(found)
        session.commit()
        assert found.id is not None
        round_id = found.id
    policy = mark_running(engine, round_id)
    assert policy is not None
    candidates, openings = load_records(engine, round_id)
    job = RoundJob(round_id, candidates, openings, policy)
    status, result = run_job(job, taxonomy=normalizer.taxonomy)
    assert status == "done" and isinstance(result, dict)
    assert store_result(engine, round_id, result)

    done = client.get(f"{ROUNDS}/{round_id}", headers=auth(world.staff)).json()
    opening_e = programme["opening_e"]
    reserves = done["result"]["reserves"][str(opening_e)]
    # The left-over welder, and one placed at F who would score higher at E.
    assert {r["assigned_to"] for r in reserves} == {None, str(programme["opening_f"])}
    free = next(i for i, r in enumerate(reserves) if r["assigned_to"] is None)

    pairs = client.get(f"{ROUNDS}/{round_id}/assignments", headers=auth(world.staff)).json()
    for pair in pairs["items"]:
        decided = client.post(
            f"{ROUNDS}/{round_id}/decisions",
            json={
                "candidate_id": pair["candidate_id"],
                "opening_id": pair["opening_id"],
                "action": "accept",
                "reason_code": "good_match",
                "reason": "skills and language fit",
            },
            headers=auth(world.staff),
        )
        assert decided.status_code in (200, 201), decided.text
    published = client.post(f"{ROUNDS}/{round_id}/publish", json={}, headers=auth(world.staff))
    assert published.status_code == 200, published.text

    at_e = client.get(
        PLACEMENTS, params={"opening_id": opening_e}, headers=auth(world.staff)
    ).json()["items"]
    assert len(at_e) == 2 and {p["stage"] for p in at_e} == {"shortlisted"}
    closed = client.post(
        f"{PLACEMENTS}/{at_e[0]['id']}/stage",
        json={"to": "closed", "reason_code": "visa_refused", "reason": "visa refused"},
        headers=auth(world.staff),
    )
    assert closed.status_code == 200, closed.text
    offered = closed.json()["next_reserve"]
    assert offered is not None
    # The reserve placed at F is in the pipeline there: the unassigned one is offered.
    assert (offered["candidate_id"], offered["rank"]) == (
        int(reserves[free]["candidate"]),
        free + 1,
    )
    assert offered["score"] == reserves[free]["score"]

"""A published round, built directly in the database for the pipeline and consent tests:
five candidates (agency A: 0–3, agency B: 4), employer E's opening (2 places) and employer F's
(1 place), a done round whose reserve list for E's opening is candidates 2, 3, 4, and one
placement per assignment (0 → E, 1 → E, 4 → F), all at ``shortlisted``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db import open_session
from api.models.placements import Placement
from api.models.rounds import Round, RoundAssignment
from tests.api.factories import World, auth, candidate_body, opening_body

NAMES = ("Amina Benali", "Youssef Trabelsi", "Salma Haddad", "Omar Fathy", "Nadia Karim")


@dataclass(frozen=True)
class Programme:
    candidates: list[int]
    agency_a: int
    agency_b: int
    employer_e: int
    employer_f: int
    opening_e: int
    opening_f: int
    round_id: int
    #: Placement ids: (candidate 0, E), (candidate 1, E), (candidate 4, F).
    placements: list[int]


def _reserve(candidate: int, score: float, assigned_to: int | None) -> dict[str, Any]:
    return {
        "candidate": str(candidate),
        "score": score,
        "assigned_to": None if assigned_to is None else str(assigned_to),
        "assigned_score": None if assigned_to is None else 0.5,
    }


def make_programme(client: TestClient, world: World, engine: Engine) -> Programme:
    app: Any = client.app
    app.state.normaliser = None  # profiles stored as text: no normalising needed here
    candidates: list[dict[str, Any]] = []
    for i, name in enumerate(NAMES):
        body = candidate_body(
            full_name=name, email=f"person{i}@example.org", phone=f"+212 600 00000{i}"
        )
        token = world.agency_a if i < 4 else world.agency_b
        response = client.post("/api/v1/candidates", json=body, headers=auth(token))
        assert response.status_code == 201, response.text
        candidates.append(response.json())
    opening_e = client.post(
        "/api/v1/openings", json=opening_body(capacity=2), headers=auth(world.employer_e)
    ).json()
    opening_f = client.post(
        "/api/v1/openings",
        json=opening_body(capacity=1, country="BE"),
        headers=auth(world.employer_f),
    ).json()
    ids = [c["id"] for c in candidates]
    pairs = [(ids[0], opening_e), (ids[1], opening_e), (ids[4], opening_f)]
    with open_session(engine, mode="write") as session:
        found = Round(
            status="done",
            progress=1.0,
            result={
                "metrics": {},
                "manifest": {},
                "unassigned": [{"candidate": str(ids[2]), "reason": "outcompeted"}],
                "reserves": {
                    str(opening_e["id"]): [
                        # Placed at F by the round: skipped while that placement is open.
                        _reserve(ids[4], 0.8, opening_f["id"]),
                        _reserve(ids[2], 0.7, None),
                        _reserve(ids[3], 0.6, None),
                    ],
                    str(opening_f["id"]): [],
                },
            },
        )
        session.add(found)
        session.flush()
        assert found.id is not None
        placements = []
        for candidate_id, opening in pairs:
            session.add(
                RoundAssignment(
                    round_id=found.id,
                    candidate_id=candidate_id,
                    opening_id=opening["id"],
                    employer_id=opening["employer_id"],
                    score=0.9,
                    explanation={},
                )
            )
            placement = Placement(
                round_id=found.id,
                candidate_id=candidate_id,
                opening_id=opening["id"],
                employer_id=opening["employer_id"],
                score=0.9,
            )
            session.add(placement)
            placements.append(placement)
        session.flush()
        placement_ids = [p.id for p in placements if p.id is not None]
        session.commit()
        round_id = found.id
    return Programme(
        candidates=ids,
        agency_a=candidates[0]["agency_id"],
        agency_b=candidates[4]["agency_id"],
        employer_e=opening_e["employer_id"],
        employer_f=opening_f["employer_id"],
        opening_e=opening_e["id"],
        opening_f=opening_f["id"],
        round_id=round_id,
        placements=placement_ids,
    )

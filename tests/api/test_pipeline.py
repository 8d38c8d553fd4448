"""The pipeline after the match: who may move a placement where (every role × every move),
forward-only moves, closes with a reason, the stage events and their audit records, each
role's view of the placements, and the reserve offered to staff after a drop-out."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import col, select

from api import audit
from api.auth import authenticate
from api.db import open_session
from api.models.audit import AuditRecord
from api.models.pipeline import StageEvent, StageMove
from api.models.placements import Placement
from api.models.rounds import Round
from api.pipeline import move_stage
from api.pseudonyms import pseudonym
from api.round_store import store_result
from tests.api._placements import Programme, make_programme
from tests.api.factories import World, auth, candidate_body

URL = "/api/v1/placements"
FORWARD = ("interview", "offer", "training", "visa", "departed", "placed", "returned")
FORWARD += ("reintegrated",)
CLOSES = ("withdrew", "declined", "visa_refused", "no_show", "not_selected", "other", "erased")

#: What each role may do to a placement at ``shortlisted`` (written out here, not read from
#: ``api.pipeline``): an employer answers, an agency withdraws, staff do anything but
#: ``erased`` (the erasure's own close).
ALLOWED: dict[str, set[str]] = {
    "employer": {"interview", "offer", "closed:declined"},
    "agency": {"closed:withdrew"},
    "staff": {*FORWARD, *(f"closed:{r}" for r in CLOSES if r != "erased")},
    "admin": {*FORWARD, *(f"closed:{r}" for r in CLOSES if r != "erased")},
}


@pytest.fixture
def programme(client: TestClient, world: World, engine: Engine) -> Programme:
    return make_programme(client, world, engine)


def _body(move: str) -> dict[str, Any]:
    if move.startswith("closed:"):
        return {"to": "closed", "reason_code": move.split(":")[1], "reason": "a reason"}
    return {"to": move}


def _set_stage(engine: Engine, placement_id: int, stage: str) -> None:
    with open_session(engine, mode="write") as session:
        session.execute(
            update(Placement)
            .where(col(Placement.id) == placement_id)
            .values(stage=stage, close_reason=None)
        )
        session.commit()


def _stage(engine: Engine, placement_id: int) -> tuple[str, str | None]:
    with open_session(engine, mode="read") as session:
        found = session.get(Placement, placement_id)
        assert found is not None
        return found.stage, found.close_reason


def _move(client: TestClient, placement_id: int, token: str, move: str) -> Any:
    return client.post(f"{URL}/{placement_id}/stage", json=_body(move), headers=auth(token))


def test_stage_permissions_per_role(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    """Every role × every move on a shortlisted placement of its own: allowed, or 403 and the
    placement unchanged."""
    # Placement 0: employer E's opening, agency A's candidate — both are "its own".
    placement = programme.placements[0]
    tokens = {
        "employer": world.employer_e,
        "agency": world.agency_a,
        "staff": world.staff,
        "admin": world.admin,
    }
    moves = [*FORWARD, *(f"closed:{r}" for r in CLOSES)]
    outcomes: dict[tuple[str, str], int] = {}
    for role, token in tokens.items():
        for move in moves:
            _set_stage(engine, placement, "shortlisted")
            response = _move(client, placement, token, move)
            outcomes[(role, move)] = response.status_code
            if response.status_code == 200:
                to, _, reason = move.partition(":")
                assert _stage(engine, placement) == (to, reason or None)
            else:
                assert _stage(engine, placement) == ("shortlisted", None)
    expected = {
        (role, move): 200 if move in ALLOWED[role] else 403 for role in tokens for move in moves
    }
    assert outcomes == expected


def test_moves_go_forward_only(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    placement = programme.placements[0]
    assert _move(client, placement, world.staff, "offer").status_code == 200
    for back in ("interview", "offer"):
        response = _move(client, placement, world.staff, back)
        assert response.status_code == 409, back
        assert "forward only" in response.json()["detail"]
    # Stages may be skipped forward.
    assert _move(client, placement, world.staff, "visa").status_code == 200
    # An employer's answer after the offer is too late.
    assert _move(client, placement, world.employer_e, "offer").status_code == 409
    assert _move(client, placement, world.employer_e, "closed:declined").status_code == 409
    assert _stage(engine, placement) == ("visa", None)
    # Once placed, a drop-out is a return, not a close.
    assert _move(client, placement, world.staff, "placed").status_code == 200
    assert _move(client, placement, world.staff, "closed:other").status_code == 409
    assert _move(client, placement, world.staff, "reintegrated").status_code == 200
    assert _move(client, placement, world.staff, "returned").status_code == 409
    # A closed placement never moves again.
    other = programme.placements[1]
    assert _move(client, other, world.agency_a, "closed:withdrew").status_code == 200
    for move in ("interview", "closed:other"):
        assert _move(client, other, world.staff, move).status_code == 409
    assert _stage(engine, other) == ("closed", "withdrew")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "closed", "reason": "no longer available"}, "reason_code"),
        ({"to": "closed", "reason_code": "declined"}, "reason"),
        ({"to": "closed", "reason_code": "declined", "reason": "   "}, "reason"),
        ({"to": "interview", "reason_code": "declined"}, "reason_code"),
        ({"to": "closed", "reason_code": "declined", "reason": "x" * 1001}, "reason"),
        ({"to": "hired"}, "to"),
    ],
)
def test_bad_move_is_422_naming_the_field(
    client: TestClient,
    world: World,
    engine: Engine,
    programme: Programme,
    body: dict[str, Any],
    field: str,
) -> None:
    placement = programme.placements[0]
    response = client.post(f"{URL}/{placement}/stage", json=body, headers=auth(world.employer_e))
    assert response.status_code == 422
    assert [p["loc"][-1] for p in response.json()["detail"]] == [field]
    assert _stage(engine, placement) == ("shortlisted", None)


def test_moves_are_recorded_and_audited(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    placement = programme.placements[0]
    secret_reason = "Zzprivate remark about the candidate"
    assert _move(client, placement, world.employer_e, "interview").status_code == 200
    declined = client.post(
        f"{URL}/{placement}/stage",
        json={"to": "closed", "reason_code": "declined", "reason": secret_reason},
        headers=auth(world.employer_e),
    )
    assert declined.status_code == 200
    assert declined.json()["placement"]["close_reason"] == "declined"
    assert declined.json()["next_reserve"] is None  # offered to staff only

    with open_session(engine, mode="read") as session:
        events = session.exec(select(StageEvent).order_by(col(StageEvent.id))).all()
        records = session.exec(
            select(AuditRecord).where(col(AuditRecord.subject_type) == "placement")
        ).all()
        report = audit.verify(session)
    assert [(e.from_stage, e.to_stage, e.reason_code) for e in events] == [
        ("shortlisted", "interview", None),
        ("interview", "closed", "declined"),
    ]
    assert events[1].reason == secret_reason
    assert [r.action for r in records] == ["employer.answer", "employer.answer"]
    assert records[1].payload["event_id"] == events[1].id
    assert records[1].payload["reason_code"] == "declined"
    assert records[1].payload["candidate_id"] == programme.candidates[0]
    assert all(secret_reason not in str(r.payload) for r in records)
    assert report.ok

    # Staff read the history with the free-text reason; the employer without it.
    staff_view = client.get(f"{URL}/{placement}/events", headers=auth(world.staff)).json()["items"]
    employer_view = client.get(f"{URL}/{placement}/events", headers=auth(world.employer_e)).json()[
        "items"
    ]
    assert [e["to_stage"] for e in staff_view] == ["interview", "closed"]
    assert staff_view[1]["reason"] == secret_reason
    assert [e["reason"] for e in employer_view] == [None, None]

    # A staff move is audited as a stage change.
    assert _move(client, programme.placements[2], world.staff, "interview").status_code == 200
    with open_session(engine, mode="read") as session:
        last = session.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc())).first()
    assert last is not None and last.action == "stage.changed"
    assert last.subject_id == str(programme.placements[2])


def test_each_role_sees_its_placements(
    client: TestClient, world: World, programme: Programme
) -> None:
    def listed(token: str) -> list[dict[str, Any]]:
        response = client.get(URL, headers=auth(token))
        assert response.status_code == 200
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    p0, p1, p2 = programme.placements
    assert {p["id"] for p in listed(world.staff)} == {p0, p1, p2}
    assert {p["id"] for p in listed(world.agency_a)} == {p0, p1}
    assert {p["id"] for p in listed(world.agency_b)} == {p2}
    as_e = listed(world.employer_e)
    assert {p["id"] for p in as_e} == {p0, p1}
    # Employers get their own pseudonym of the candidate, never the id.
    secret = b"test-server-secret"
    assert [(p["candidate_id"], p["candidate_pseudonym"]) for p in as_e] == [
        (None, pseudonym(secret, employer_id=programme.employer_e, candidate_id=c))
        for c in programme.candidates[:2]
    ]
    assert [p["id"] for p in listed(world.employer_f)] == [p2]
    filtered = client.get(URL, params={"stage": "interview"}, headers=auth(world.staff))
    assert filtered.json()["total"] == 0

    # Another tenant's placement is a 404 for reading and for moving.
    for token, foreign in ((world.employer_f, p0), (world.agency_b, p0), (world.employer_e, p2)):
        assert client.get(f"{URL}/{foreign}", headers=auth(token)).status_code == 404
        assert _move(client, foreign, token, "closed:withdrew").status_code == 404
        assert _move(client, foreign, token, "interview").status_code == 404


def test_drop_out_offers_the_next_reserve_to_staff(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    p0, _p1, p2 = programme.placements
    c = programme.candidates
    # While the placement is open, its place is not free.
    assert client.get(f"{URL}/{p0}/next-reserve", headers=auth(world.staff)).status_code == 409
    assert client.get(f"{URL}/{p0}/next-reserve", headers=auth(world.agency_a)).status_code == 403

    # The agency withdraws its candidate: the agency is not shown who could replace them.
    withdrawn = _move(client, p0, world.agency_a, "closed:withdrew")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["next_reserve"] is None

    # Staff are: the first reserve (c4) is in the pipeline at F, so the next one (c2).
    offered = client.get(f"{URL}/{p0}/next-reserve", headers=auth(world.staff))
    assert offered.status_code == 200
    assert offered.json() == {
        "candidate_id": c[2],
        "score": 0.7,
        "rank": 2,
        "assigned_opening_id": None,
    }
    # Staff put c2 on the place: a new shortlisted placement at E.
    taken = client.post(f"{URL}/{p0}/next-reserve", headers=auth(world.staff))
    assert taken.status_code == 201
    new = taken.json()
    assert (new["candidate_id"], new["opening_id"], new["stage"]) == (
        c[2],
        programme.opening_e,
        "shortlisted",
    )
    # The place is filled again: nobody is offered, and nobody can be put on it.
    assert client.get(f"{URL}/{p0}/next-reserve", headers=auth(world.staff)).json() is None
    assert client.post(f"{URL}/{p0}/next-reserve", headers=auth(world.staff)).status_code == 409

    # E declines c2: c2 is not offered for E again, c3 comes next.
    assert _move(client, new["id"], world.employer_e, "closed:declined").status_code == 200
    offered = client.get(f"{URL}/{new['id']}/next-reserve", headers=auth(world.staff)).json()
    assert (offered["candidate_id"], offered["rank"]) == (c[3], 3)
    with open_session(engine, mode="read") as session:
        records = session.exec(
            select(AuditRecord).where(col(AuditRecord.subject_id) == str(new["id"]))
        ).all()
    assert [(r.action, r.payload["from"], r.payload["to"]) for r in records] == [
        ("stage.changed", None, "shortlisted"),
        ("employer.answer", "shortlisted", "closed"),
    ]
    assert records[0].payload["replaces_placement_id"] == p0

    # F's placement drops out; the round kept no reserve for F: nobody is offered.
    closed = _move(client, p2, world.staff, "closed:no_show")
    assert closed.status_code == 200 and closed.json()["next_reserve"] is None


def test_staff_close_names_the_reserve_once_its_placement_elsewhere_closes(
    client: TestClient, world: World, programme: Programme
) -> None:
    """c4 (the first reserve of E) is at F; once F's placement closes, c4 is free for E."""
    p0, _p1, p2 = programme.placements
    assert _move(client, p2, world.employer_f, "closed:declined").status_code == 200
    closed = _move(client, p0, world.staff, "closed:visa_refused")
    assert closed.status_code == 200
    reserve = closed.json()["next_reserve"]
    assert (reserve["candidate_id"], reserve["rank"]) == (programme.candidates[4], 1)
    assert reserve["assigned_opening_id"] == programme.opening_f


def test_store_result_keeps_the_reserve_lists(
    client: TestClient, world: World, engine: Engine
) -> None:
    reserve = client.post(
        "/api/v1/candidates", json=candidate_body(), headers=auth(world.agency_a)
    ).json()["id"]
    with open_session(engine, mode="write") as session:
        found = Round(status="running")
        session.add(found)
        session.commit()
        assert found.id is not None
        round_id = found.id
    # A reserve who still exists (one erased meanwhile would be scrubbed: test_gdpr_ids).
    reserves = {"7": [{"candidate": str(reserve), "score": 0.5, "assigned_to": None}]}
    result = {
        "assignments": [],
        "unassigned": [],
        "metrics": {},
        "manifest": {"output_hash": "sha256:x", "input_hash": "sha256:y", "policy": {}},
        "reserves": reserves,
    }
    assert store_result(engine, round_id, result)
    with open_session(engine, mode="read") as session:
        stored = session.get(Round, round_id)
        assert stored is not None and stored.result is not None
        assert stored.result["reserves"] == reserves


def test_a_move_waiting_on_another_sees_its_stage(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    """Two moves of one placement at once: the second waits for the first, then is judged
    against the stage the first wrote (without the row lock, PostgreSQL would let it move the
    placement back)."""
    placement_id = programme.placements[0]
    with open_session(engine, mode="write") as session:
        principal = authenticate(session, world.staff)
        placement = session.get(Placement, placement_id)
        assert principal is not None and placement is not None
        move_stage(session, placement=placement, move=StageMove(to="offer"), actor=principal)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_move, client, placement_id, world.staff, "interview")
            time.sleep(0.5)
            assert not pending.done()  # waiting for the first move's transaction
            session.commit()
            response = pending.result(timeout=30)
    assert response.status_code == 409
    assert _stage(engine, placement_id) == ("offer", None)

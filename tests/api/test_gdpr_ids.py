"""An erased candidate's id is never given to the next candidate (SQLite would reuse the
highest id; the new person would inherit the erased one's pseudonyms and audit trail), and a
round that finishes after an erasure stores no trace of the erased candidate."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.db import open_session
from api.models.candidates import Candidate
from api.models.rounds import Round
from api.pseudonyms import pseudonym
from api.round_store import store_result
from tests.api.factories import World, auth, candidate_body

URL = "/api/v1/candidates"


def _create(client: TestClient, token: str, name: str) -> int:
    answer = client.post(URL, json=candidate_body(full_name=name), headers=auth(token))
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_the_newest_candidates_erased_id_is_not_reused(client: TestClient, world: World) -> None:
    first = _create(client, world.agency_a, "Amina Benali")
    newest = _create(client, world.agency_a, "Youssef Trabelsi")
    also = _create(client, world.agency_a, "Salma Haddad")
    for erased in (also, newest):  # the two newest, newest first then the next
        answer = client.delete(f"{URL}/{erased}?erase=true", headers=auth(world.agency_a))
        assert answer.status_code == 204
    batch = [_create(client, world.agency_b, f"Person {i}") for i in range(3)]
    assert min(batch) > max(first, newest, also)
    assert len(set(batch)) == 3
    secret = b"s"
    erased_pseudonym = pseudonym(secret, employer_id=1, candidate_id=also)
    assert all(pseudonym(secret, employer_id=1, candidate_id=c) != erased_pseudonym for c in batch)


def test_ids_run_on_normally_without_erasures(client: TestClient, world: World) -> None:
    ids = [_create(client, world.agency_a, f"Person {i}") for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_an_erased_id_below_the_newest_changes_nothing(client: TestClient, world: World) -> None:
    oldest, middle, newest = (_create(client, world.agency_a, f"Person {i}") for i in range(3))
    answer = client.delete(f"{URL}/{oldest}?erase=true", headers=auth(world.agency_a))
    assert answer.status_code == 204
    following = _create(client, world.agency_b, "Next Person")
    assert following > newest > middle
    assert client.get(f"{URL}/{newest}", headers=auth(world.agency_a)).status_code == 200


def test_candidates_added_through_the_orm_skip_the_erased_id_too(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Objects flushed by a session (not the create route's statement) are numbered by the
    ``before_flush`` listener."""
    kept = _create(client, world.agency_a, "Amina Benali")
    erased = _create(client, world.agency_a, "Omar Fathy")
    answer = client.delete(f"{URL}/{erased}?erase=true", headers=auth(world.agency_a))
    assert answer.status_code == 204
    with open_session(engine, mode="write") as session:
        agency_id = session.get_one(Candidate, kept).agency_id
        added = [Candidate(full_name=f"P {i}", country="MA", agency_id=agency_id) for i in (1, 2)]
        session.add_all(added)
        session.commit()
        ids = [c.id for c in added]
    assert all(i is not None and i > erased for i in ids) and len(set(ids)) == 2


def test_a_round_finishing_after_an_erasure_stores_no_trace_of_them(
    client: TestClient, world: World, engine: Engine
) -> None:
    kept = _create(client, world.agency_a, "Amina Benali")
    erased = _create(client, world.agency_a, "Omar Fathy")
    with open_session(engine, mode="write") as session:
        running = Round(status="running")
        session.add(running)
        session.commit()
        round_id = running.id
    assert round_id is not None
    # The worker read both; the agency erases one before the result comes back.
    erasing = client.delete(f"{URL}/{erased}?erase=true", headers=auth(world.agency_a))
    assert erasing.status_code == 204
    unassigned = [{"candidate": str(c), "reason": "no_eligible_opening"} for c in (kept, erased)]
    reserve = {"candidate": str(erased), "score": 0.5, "assigned_to": None, "assigned_score": None}
    result = {
        "assignments": [],
        "unassigned": unassigned,
        "reserves": {"9": [reserve]},
        "metrics": {"candidates": 2},
        "manifest": {"output_hash": "h", "input_hash": "i", "policy": {}},
    }
    assert store_result(engine, round_id, result)
    with open_session(engine, mode="read") as session:
        stored = session.get(Round, round_id)
        assert stored is not None and stored.result is not None
        assert [u["candidate"] for u in stored.result["unassigned"]] == [str(kept)]
        assert stored.result["reserves"] == {"9": []}
        assert stored.result["metrics"] == {"candidates": 2}  # counts stay


def test_a_bulk_import_does_not_reuse_the_newest_erased_id(
    client: TestClient, world: World
) -> None:
    """The import inserts without the ORM (no flush listener); it numbers above erased ids too."""
    first = _create(client, world.agency_a, "Amina Benali")
    newest = _create(client, world.agency_a, "Youssef Trabelsi")
    answer = client.delete(f"{URL}/{newest}?erase=true", headers=auth(world.agency_a))
    assert answer.status_code == 204
    csv = "external_ref,full_name,birth_date,country\nR1,Person One,1990-01-02,MA\n"
    csv += "R2,Person Two,1991-02-03,TN\n"
    imported = client.post(
        f"{URL}/import",
        content=csv.encode(),
        headers={"Content-Type": "text/csv"} | auth(world.agency_b),
    )
    assert imported.status_code == 201, imported.text
    ids = imported.json()["ids"]
    assert min(ids) > max(first, newest) and len(set(ids)) == 2

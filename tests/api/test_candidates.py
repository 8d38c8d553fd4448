"""Candidates CRUD, listing and filters, on every configured database."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import select

from api.app import create_app
from api.auth import create_user
from api.db import open_session
from api.models.candidates import Candidate, CandidateConcept, CandidateUpdate
from api.normalisation import NormalisedItem, ProfileKind
from api.routes._concepts import apply_changes
from api.settings import Settings
from skills_taxonomy.normalizer import Normalizer
from tests.api.factories import World, auth, candidate_body

URL = "/api/v1/candidates"


def test_create_read_update_delete(client: TestClient, world: World) -> None:
    created = client.post(URL, json=candidate_body(), headers=auth(world.agency_a))
    assert created.status_code == 201, created.text
    candidate = created.json()
    assert candidate["full_name"] == "Amina Benali"
    assert candidate["destinations"] == ["DE", "BE"]
    assert candidate["created_at"].endswith("Z")
    url = f"{URL}/{candidate['id']}"

    assert client.get(url, headers=auth(world.agency_a)).json() == candidate

    changed = client.patch(url, json={"experience_years": 5}, headers=auth(world.agency_a))
    assert changed.status_code == 200
    assert changed.json()["experience_years"] == 5
    assert changed.json()["full_name"] == "Amina Benali"  # fields left out are kept

    assert client.delete(url, headers=auth(world.agency_a)).status_code == 204
    assert client.get(url, headers=auth(world.agency_a)).status_code == 404


def test_programme_staff_read_every_agency(client: TestClient, world: World) -> None:
    for token in (world.agency_a, world.agency_b):
        assert client.post(URL, json=candidate_body(), headers=auth(token)).status_code == 201
    for token in (world.staff, world.admin):
        page = client.get(URL, headers=auth(token)).json()
        assert page["total"] == 2
        assert len({item["agency_id"] for item in page["items"]}) == 2


def test_agency_lists_only_its_own(client: TestClient, world: World) -> None:
    client.post(URL, json=candidate_body(full_name="Mine"), headers=auth(world.agency_a))
    client.post(URL, json=candidate_body(full_name="Theirs"), headers=auth(world.agency_b))
    page = client.get(URL, headers=auth(world.agency_a)).json()
    assert [item["full_name"] for item in page["items"]] == ["Mine"]
    assert page["total"] == 1


def test_pagination_walks_every_item_once(client: TestClient, world: World) -> None:
    for i in range(5):
        body = candidate_body(full_name=f"Candidate {i}")
        assert client.post(URL, json=body, headers=auth(world.agency_a)).status_code == 201
    seen: list[str] = []
    after: int | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"after": after} if after else {})
        page = client.get(URL, params=params, headers=auth(world.agency_a)).json()
        assert page["total"] == 5
        seen += [item["full_name"] for item in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert seen == [f"Candidate {i}" for i in range(5)]


def test_filters(client: TestClient, world: World) -> None:
    bodies = [
        candidate_body(full_name="Yassine El Amrani", country="MA", external_ref="MA-1"),
        candidate_body(full_name="Salma Trabelsi", country="TN", external_ref="TN-1"),
        candidate_body(full_name="Omar 100%_x", country="EG"),
    ]
    for body in bodies:
        assert client.post(URL, json=body, headers=auth(world.agency_a)).status_code == 201

    def names(**params: Any) -> list[str]:
        page = client.get(URL, params=params, headers=auth(world.agency_a)).json()
        return [item["full_name"] for item in page["items"]]

    assert names(country="TN") == ["Salma Trabelsi"]
    assert names(name="amrani") == ["Yassine El Amrani"]
    assert names(name="100%_") == ["Omar 100%_x"]  # LIKE wildcards are escaped
    assert names(external_ref="MA-1") == ["Yassine El Amrani"]
    assert names(country="DE") == []


def test_duplicate_external_ref_in_one_agency_is_a_conflict(
    client: TestClient, world: World
) -> None:
    body = candidate_body(external_ref="ANAPEC-0001")
    assert client.post(URL, json=body, headers=auth(world.agency_a)).status_code == 201
    again = client.post(URL, json=body, headers=auth(world.agency_a))
    assert again.status_code == 409
    assert "Amina" not in again.text  # the driver's message (with the values) is not passed on
    # another agency may use the same reference
    assert client.post(URL, json=body, headers=auth(world.agency_b)).status_code == 201


def test_required_field_cannot_be_nulled(client: TestClient, world: World) -> None:
    created = client.post(URL, json=candidate_body(), headers=auth(world.agency_a)).json()
    url = f"{URL}/{created['id']}"
    response = client.patch(url, json={"full_name": None}, headers=auth(world.agency_a))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "full_name"]
    response = client.patch(url, json={"email": None}, headers=auth(world.agency_a))
    assert response.status_code == 200  # optional fields may be cleared
    assert response.json()["email"] is None


KNOWN = {"soudure tig": "esco:skill/tig", "soudeur": "esco:occupation/welder"}


class KeywordNormaliser:
    """Stands in for the ESCO normaliser: one concept per comma-separated item it knows."""

    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        return [self._one(texts) for texts in profiles]

    def _one(self, texts: Mapping[str, str]) -> list[NormalisedItem]:
        items = []
        for field, text in texts.items():
            for part in filter(None, (p.strip() for p in text.split(","))):
                uri = KNOWN.get(part.lower())
                items.append(
                    NormalisedItem(
                        field=field,
                        source_text=part,
                        concept_uri=uri,
                        confidence=1.0 if uri else 0.1,
                        method="exact" if uri else "none",
                    )
                )
        return items


def test_profile_text_is_normalised_into_concept_rows(client: TestClient, world: World) -> None:
    app: Any = client.app
    app.state.normaliser = KeywordNormaliser()
    body = candidate_body(skills="soudure TIG, peinture", job_titles="", diplomas="", languages="")
    created = client.post(URL, json=body, headers=auth(world.agency_a)).json()
    assert [(c["field"], c["source_text"], c["concept_uri"]) for c in created["concepts"]] == [
        ("skills", "soudure TIG", "esco:skill/tig"),
        ("skills", "peinture", None),
    ]
    page = client.get(URL, params={"concept": "esco:skill/tig"}, headers=auth(world.agency_a))
    assert [item["id"] for item in page.json()["items"]] == [created["id"]]

    url = f"{URL}/{created['id']}"
    changed = client.patch(url, json={"job_titles": "soudeur"}, headers=auth(world.agency_a))
    uris = [c["concept_uri"] for c in changed.json()["concepts"]]
    assert uris == ["esco:skill/tig", None, "esco:occupation/welder"]  # replaced, not appended

    assert client.delete(url, headers=auth(world.agency_a)).status_code == 204
    with open_session(app.state.engine, mode="read") as session:  # erased with the candidate
        assert session.exec(select(CandidateConcept)).all() == []


def test_created_answer_is_what_is_stored(client: TestClient, world: World) -> None:
    """The POST answer's concepts are built from what was inserted, not read back: they must be
    what a read returns, field by field and in order."""
    created = client.post(URL, json=candidate_body(), headers=auth(world.agency_a)).json()
    assert {c["field"] for c in created["concepts"]} == {
        "skills",
        "job_titles",
        "diplomas",
        "languages",
    }
    read = client.get(f"{URL}/{created['id']}", headers=auth(world.agency_a)).json()
    assert read["concepts"] == created["concepts"]
    assert read == created


def test_a_missing_or_foreign_candidate_is_a_404_before_an_invalid_body(
    client: TestClient, world: World
) -> None:
    """The body is validated after the candidate is looked up, whatever the body's content
    type: an invalid body on someone else's (or no) candidate says nothing more than 404."""
    own = client.post(URL, json=candidate_body(), headers=auth(world.agency_a)).json()["id"]
    foreign = client.post(URL, json=candidate_body(), headers=auth(world.agency_b)).json()["id"]
    invalid: list[dict[str, Any]] = [
        {"json": {"experience_years": "many"}},
        {"json": ["not", "an", "object"]},
        {"content": b"", "headers": {"Content-Type": "application/json"}},
        {"content": b'{"experience_years": 3}', "headers": {"Content-Type": "text/plain"}},
    ]
    for request in invalid:
        headers = auth(world.agency_a) | request.pop("headers", {})
        for candidate_id, status in ((own, 422), (foreign, 404), (999_999, 404)):
            answer = client.patch(f"{URL}/{candidate_id}", headers=headers, **request)
            assert answer.status_code == status, (request, candidate_id, answer.text)
    valid = {"experience_years": 3}
    for candidate_id, status in ((own, 200), (foreign, 404), (999_999, 404)):
        answer = client.patch(f"{URL}/{candidate_id}", json=valid, headers=auth(world.agency_a))
        assert answer.status_code == status


class LockProbe(KeywordNormaliser):
    """``KeywordNormaliser`` that records, at each call, whether another connection could have
    begun a write on the SQLite file then (False: someone held the write lock)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.writable: list[bool] = []

    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            self.writable.append(True)
        except sqlite3.OperationalError:
            self.writable.append(False)
        finally:
            probe.close()
        return super().normalise_profiles(kind=kind, profiles=profiles)


def test_text_is_normalised_while_no_write_lock_is_held(
    tmp_path: Path, normalizer: Normalizer
) -> None:
    """On SQLite one writer at a time holds the database: a POST's or a PATCH's text is
    normalised before its write transaction begins, not inside it."""
    path = tmp_path / "lock.db"
    settings = Settings(
        database_url=f"sqlite:///{path}",
        secret_key=SecretStr("test-server-secret"),
        secret_file=tmp_path / "unused.secret",
    )
    app = create_app(settings, normalizer=normalizer)
    with TestClient(app) as client:
        with open_session(app.state.engine, mode="write") as session:
            _user, token = create_user(session, organisation="Agency", kind="agency")
        probe = app.state.normaliser = LockProbe(str(path))
        body = candidate_body(skills="soudure TIG", job_titles="", diplomas="", languages="")
        created = client.post(URL, json=body, headers=auth(token))
        assert created.status_code == 201
        url = f"{URL}/{created.json()['id']}"
        changed = client.patch(url, json={"job_titles": "soudeur"}, headers=auth(token))
        assert changed.status_code == 200
        assert [c["concept_uri"] for c in changed.json()["concepts"]] == [
            "esco:skill/tig",
            "esco:occupation/welder",
        ]
        unchanged = client.patch(url, json={"experience_years": 3}, headers=auth(token))
        assert unchanged.status_code == 200
    assert probe.writable == [True, True]  # the POST, the text PATCH (not the other PATCH)


def test_text_changed_since_it_was_normalised_is_normalised_again(
    client: TestClient, world: World
) -> None:
    app: Any = client.app
    app.state.normaliser = KeywordNormaliser()
    body = candidate_body(skills="soudure TIG", job_titles="", diplomas="", languages="")
    created = client.post(URL, json=body, headers=auth(world.agency_a)).json()
    stale_texts = {"skills": "peinture", "job_titles": "soudeur", "diplomas": "", "languages": ""}
    stale = KeywordNormaliser().normalise_profiles(kind="candidate", profiles=[stale_texts])[0]
    with open_session(app.state.engine, mode="write") as session:
        candidate = session.get(Candidate, created["id"])
        assert candidate is not None
        # Normalised ahead from texts that another request has changed since ("peinture").
        apply_changes(
            session,
            candidate,
            CandidateUpdate(job_titles="soudeur"),
            kind="candidate",
            normaliser=KeywordNormaliser(),
            normalised=(stale_texts, stale),
        )
        session.commit()
    read = client.get(f"{URL}/{created['id']}", headers=auth(world.agency_a)).json()
    assert [(c["source_text"], c["concept_uri"]) for c in read["concepts"]] == [
        ("soudure TIG", "esco:skill/tig"),
        ("soudeur", "esco:occupation/welder"),
    ]


def test_a_created_candidate_like_another_agencys_is_flagged_not_merged(
    client: TestClient, world: World
) -> None:
    person = candidate_body(full_name="Amina Benali", birth_date="1996-04-12")
    ours = [client.post(URL, json=person, headers=auth(world.agency_a)).json() for _ in range(2)]
    # The same agency twice: not flagged (an agency answers for its own list). Another agency,
    # the same person as written there: flagged against both; another birth date or none: not.
    same = client.post(
        URL,
        json=candidate_body(full_name="  BENALI   Amïna ", birth_date="1996-04-12"),
        headers=auth(world.agency_b),
    )
    assert same.status_code == 201
    for body in (
        candidate_body(full_name="Amina Benali", birth_date="1996-04-13"),
        candidate_body(full_name="Amina Benali", birth_date=None),
    ):
        assert client.post(URL, json=body, headers=auth(world.agency_b)).status_code == 201
    flags = client.get("/api/v1/curation/duplicates", headers=auth(world.staff)).json()["items"]
    assert sorted((f["candidate_id"], f["duplicate_of_id"]) for f in flags) == [
        (same.json()["id"], ours[0]["id"]),
        (same.json()["id"], ours[1]["id"]),
    ]
    assert client.get(URL, headers=auth(world.staff)).json()["total"] == 5  # nothing merged


def test_a_changed_name_or_birth_date_is_compared_again_and_a_pair_flagged_once(
    client: TestClient, world: World
) -> None:
    def flags() -> list[tuple[int, int]]:
        found = client.get("/api/v1/curation/duplicates", headers=auth(world.staff)).json()
        return [(f["candidate_id"], f["duplicate_of_id"]) for f in found["items"]]

    body = candidate_body(full_name="Karim Haddad", birth_date="1990-01-01")
    ours = client.post(URL, json=body, headers=auth(world.agency_a)).json()["id"]
    other = candidate_body(full_name="Karim Haddad", birth_date="1991-01-01")
    theirs = client.post(URL, json=other, headers=auth(world.agency_b)).json()["id"]
    assert flags() == []
    for changes, token in (
        ({"birth_date": "1990-01-01"}, world.agency_b),  # now the same person: flagged
        ({"full_name": "HADDAD  Karim"}, world.agency_b),  # still: already flagged
        ({"experience_years": 9}, world.agency_a),  # neither name nor birth date
        ({"full_name": "Karim Haddad "}, world.agency_a),  # flagged the other way round
    ):
        changed = client.patch(
            f"{URL}/{theirs if token == world.agency_b else ours}",
            json=changes,
            headers=auth(token),
        )
        assert changed.status_code == 200
    assert flags() == [(theirs, ours)]

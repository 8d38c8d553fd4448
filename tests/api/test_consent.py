"""Consent records (granted and withdrawn through the candidate's agency) and the identity
reveal they gate: only for the employer's own placement, only while a consent covers that
employer, each reveal recorded and audited, and a withdrawal blocks the next reveal."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import col, func, select

from api import audit
from api.auth import authenticate
from api.consent import withdraw
from api.db import open_session
from api.models.audit import AuditRecord
from api.models.candidates import Candidate
from api.models.consent import Consent, IdentityReveal
from api.pseudonyms import pseudonym
from tests.api._placements import NAMES, Programme, make_programme
from tests.api.factories import World, auth

PLACEMENTS = "/api/v1/placements"


@pytest.fixture
def programme(client: TestClient, world: World, engine: Engine) -> Programme:
    return make_programme(client, world, engine)


def _consents_url(candidate_id: int) -> str:
    return f"/api/v1/candidates/{candidate_id}/consents"


def _grant(client: TestClient, token: str, candidate_id: int, **overrides: Any) -> Any:
    body = {"purpose": "identity", "notice_version": "2026-09", "channel": "paper"} | overrides
    return client.post(_consents_url(candidate_id), json=body, headers=auth(token))


def _reveal(client: TestClient, token: str, placement_id: int) -> Any:
    return client.get(f"{PLACEMENTS}/{placement_id}/identity", headers=auth(token))


def _count(engine: Engine, table: type[Consent] | type[IdentityReveal]) -> int:
    with open_session(engine, mode="read") as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _audit(engine: Engine, action: str) -> list[AuditRecord]:
    with open_session(engine, mode="read") as session:
        return list(
            session.exec(
                select(AuditRecord)
                .where(col(AuditRecord.action) == action)
                .order_by(col(AuditRecord.id))
            ).all()
        )


def test_agency_grants_lists_and_withdraws(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    candidate = programme.candidates[0]
    granted = _grant(client, world.agency_a, candidate, employer_id=programme.employer_e)
    assert granted.status_code == 201, granted.text
    consent = granted.json()
    assert consent["candidate_id"] == candidate
    assert consent["agency_id"] == programme.agency_a
    assert consent["employer_id"] == programme.employer_e
    assert (consent["notice_version"], consent["channel"]) == ("2026-09", "paper")
    assert consent["active"] is True and consent["withdrawn_at"] is None

    for token in (world.agency_a, world.staff):
        listed = client.get(_consents_url(candidate), headers=auth(token))
        assert [c["id"] for c in listed.json()["items"]] == [consent["id"]]
    # Not the employer, not another agency, and only the agency records consents.
    assert client.get(_consents_url(candidate), headers=auth(world.employer_e)).status_code == 403
    assert client.get(_consents_url(candidate), headers=auth(world.agency_b)).status_code == 404
    assert _grant(client, world.agency_b, candidate).status_code == 404
    assert _grant(client, world.staff, candidate).status_code == 403

    withdraw_url = f"{_consents_url(candidate)}/{consent['id']}/withdraw"
    assert client.post(withdraw_url, headers=auth(world.agency_b)).status_code == 404
    assert client.post(withdraw_url, headers=auth(world.staff)).status_code == 403
    withdrawn = client.post(withdraw_url, headers=auth(world.agency_a))
    assert withdrawn.status_code == 200
    assert withdrawn.json()["active"] is False and withdrawn.json()["withdrawn_at"]
    assert client.post(withdraw_url, headers=auth(world.agency_a)).status_code == 409
    # Another candidate's consent is not reachable through this one's path.
    other = f"{_consents_url(programme.candidates[1])}/{consent['id']}/withdraw"
    assert client.post(other, headers=auth(world.agency_a)).status_code == 404

    [granted_record] = _audit(engine, "consent.granted")
    [withdrawn_record] = _audit(engine, "consent.withdrawn")
    assert granted_record.payload == {
        "candidate_id": candidate,
        "agency_id": programme.agency_a,
        "purpose": "identity",
        "recipient": programme.employer_e,
        "notice_version": "2026-09",
        "channel": "paper",
    }
    assert withdrawn_record.subject_id == str(consent["id"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"employer_id": "agency"}, "employer_id"),  # an organisation that is not an employer
        ({"employer_id": 999_999}, "employer_id"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"purpose": "marketing"}, "purpose"),
        ({"notice_version": ""}, "notice_version"),
        ({"notice_version": "v" * 33}, "notice_version"),
    ],
)
def test_bad_consent_is_422_naming_the_field(
    client: TestClient,
    world: World,
    engine: Engine,
    programme: Programme,
    overrides: dict[str, Any],
    field: str,
) -> None:
    if overrides.get("employer_id") == "agency":
        overrides = {"employer_id": programme.agency_b}
    response = _grant(client, world.agency_a, programme.candidates[0], **overrides)
    assert response.status_code == 422
    assert [p["loc"][-1] for p in response.json()["detail"]] == [field]
    assert _count(engine, Consent) == 0


def test_identity_only_under_an_active_consent_and_withdrawal_blocks_the_next_reveal(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    placement = programme.placements[0]  # candidate 0 (agency A) at employer E
    candidate = programme.candidates[0]

    refused = _reveal(client, world.employer_e, placement)
    assert refused.status_code == 403
    assert "consent" in refused.json()["detail"]
    assert NAMES[0] not in refused.text

    consent = _grant(client, world.agency_a, candidate, employer_id=programme.employer_e).json()
    shown = _reveal(client, world.employer_e, placement)
    assert shown.status_code == 200
    identity = shown.json()
    assert identity["full_name"] == NAMES[0]
    assert identity["email"] == "person0@example.org"
    assert identity["phone"] == "+212 600 000000"
    assert identity["consent_id"] == consent["id"]
    assert identity["candidate_pseudonym"] == pseudonym(
        b"test-server-secret", employer_id=programme.employer_e, candidate_id=candidate
    )
    assert _reveal(client, world.employer_e, placement).status_code == 200

    withdraw_url = f"{_consents_url(candidate)}/{consent['id']}/withdraw"
    assert client.post(withdraw_url, headers=auth(world.agency_a)).status_code == 200
    blocked = _reveal(client, world.employer_e, placement)
    assert blocked.status_code == 403
    assert NAMES[0] not in blocked.text

    # Two reveals, each recorded and audited (ids only: no name or contact in the log).
    with open_session(engine, mode="read") as session:
        reveals = session.exec(select(IdentityReveal).order_by(col(IdentityReveal.id))).all()
        assert audit.verify(session).ok
    assert [(r.placement_id, r.employer_id, r.candidate_id, r.consent_id) for r in reveals] == [
        (placement, programme.employer_e, candidate, consent["id"])
    ] * 2
    records = _audit(engine, "identity.revealed")
    assert [r.payload for r in records] == [
        {
            "reveal_id": r.id,
            "employer_id": programme.employer_e,
            "candidate_id": candidate,
            "consent_id": consent["id"],
        }
        for r in reveals
    ]
    assert all(r.subject_id == str(placement) for r in records)
    assert all("person0" not in str(r.payload) and NAMES[0] not in str(r.payload) for r in records)

    # A new consent allows reveals again.
    _grant(client, world.agency_a, candidate)
    assert _reveal(client, world.employer_e, placement).status_code == 200


def test_employer_cannot_reveal_another_employers_placement(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    """Even under a consent covering every employer of the programme: 404, nothing recorded."""
    placement_e = programme.placements[0]
    _grant(client, world.agency_a, programme.candidates[0])  # every programme employer
    response = _reveal(client, world.employer_f, placement_e)
    assert response.status_code == 404
    assert NAMES[0] not in response.text
    for token in (world.agency_a, world.staff):  # not an employer: the role may not
        assert _reveal(client, token, placement_e).status_code == 403
    assert _count(engine, IdentityReveal) == 0
    assert _audit(engine, "identity.revealed") == []
    # The employer of the placement may.
    assert _reveal(client, world.employer_e, placement_e).status_code == 200


def test_consent_for_one_employer_does_not_cover_another(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    placement_e = programme.placements[0]
    candidate = programme.candidates[0]
    _grant(client, world.agency_a, candidate, employer_id=programme.employer_f)
    assert _reveal(client, world.employer_e, placement_e).status_code == 403
    # Withdrawing one of two covering consents leaves the other in force.
    first = _grant(client, world.agency_a, candidate, employer_id=programme.employer_e).json()
    second = _grant(client, world.agency_a, candidate).json()
    client.post(f"{_consents_url(candidate)}/{second['id']}/withdraw", headers=auth(world.agency_a))
    shown = _reveal(client, world.employer_e, placement_e)
    assert shown.status_code == 200 and shown.json()["consent_id"] == first["id"]
    assert _count(engine, IdentityReveal) == 1


def test_no_identity_for_a_closed_placement(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    placement_e = programme.placements[0]
    _grant(client, world.agency_a, programme.candidates[0])
    closed = client.post(
        f"{PLACEMENTS}/{placement_e}/stage",
        json={"to": "closed", "reason_code": "declined", "reason": "profile does not fit"},
        headers=auth(world.employer_e),
    )
    assert closed.status_code == 200
    assert _reveal(client, world.employer_e, placement_e).status_code == 409
    assert _count(engine, IdentityReveal) == 0


def test_a_reveal_waiting_on_a_withdrawal_is_refused(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    """A reveal that starts while a withdrawal is being written waits for it, then is refused
    (the consent row is locked by both; without the lock, PostgreSQL would show the identity
    under the consent being withdrawn)."""
    placement = programme.placements[0]
    candidate_id = programme.candidates[0]
    consent = _grant(client, world.agency_a, candidate_id).json()
    with open_session(engine, mode="write") as session:
        principal = authenticate(session, world.agency_a)
        candidate = session.get(Candidate, candidate_id)
        assert principal is not None and candidate is not None
        withdraw(session, candidate=candidate, consent_id=consent["id"], actor=principal)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_reveal, client, world.employer_e, placement)
            time.sleep(0.5)
            assert not pending.done()  # waiting for the withdrawal's transaction
            session.commit()
            response = pending.result(timeout=30)
    assert response.status_code == 403
    assert _count(engine, IdentityReveal) == 0

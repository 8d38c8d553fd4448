"""Tenancy, generated from the OpenAPI document: every route × every role, aimed at another
tenant's objects, leaks nothing and writes nothing.

The routes come from ``/api/v1/openapi.json``; a new route is covered as soon as it exists. What
a route needs to be called — an object for each path parameter, a body for each request schema —
is looked up in the tables below, and a route needing something they lack fails the test, so
the tables grow with the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from api.db import open_session
from api.deps import Allow, public
from api.models.candidates import Candidate, CandidateConcept
from api.models.consent import Consent
from api.models.curation import CurationItem
from api.models.openings import Opening, OpeningConcept
from api.models.placements import Placement
from api.models.rounds import Round, RoundAssignment
from tests.api.factories import World, auth, candidate_body, opening_body
from tests.skills_taxonomy.normalizer_fixture import shared_normalizer

#: A string planted in the foreign objects: it must never appear in an answer to a non-owner.
MARKER = "Zzforeignmarker"

#: Path parameters that name an object owned by a tenant (an agency or an employer). Other
#: objects (rounds: the programme's) may answer a tenant, but never with a foreign object.
TENANT_OWNED = frozenset({"candidate_id", "opening_id", "consent_id", "placement_id"})
#: Tenant objects that programme staff may change too (they move any placement).
PROGRAMME_MANAGED = frozenset({"placement_id"})

#: A valid body per request schema (by component name).
BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "CandidateCreate": lambda: candidate_body(full_name="Intruder"),
    "CandidateUpdate": lambda: {"full_name": "Overwritten", "skills": "overwritten"},
    "OpeningCreate": lambda: opening_body(title="Intruder"),
    "OpeningUpdate": lambda: {"title": "Overwritten", "capacity": 99},
    "PolicyBody": lambda: {"seed": 1},
    "NormalizeRequest": lambda: {"texts": ["welding"], "kind": "skill"},
    "DecisionCreate": lambda: {
        "candidate_id": 1,
        "opening_id": 1,
        "action": "accept",
        "reason_code": "other",
        "reason": "tenancy check",
    },
    "PublishBody": lambda: {},
    "CurationConfirm": lambda: {"concept_uri": shared_normalizer().taxonomy.uris("skill")[0]},
    "StageMove": lambda: {"to": "interview"},
    "ConsentCreate": lambda: {"notice_version": "v1", "channel": "paper"},
}


@dataclass(frozen=True)
class Caller:
    name: str
    token: str | None
    #: Programme users read every tenant's objects (and may never write them).
    programme: bool = False


def _callers(world: World) -> list[Caller]:
    return [
        Caller("anonymous", None),
        Caller("agency A", world.agency_a),
        Caller("employer E", world.employer_e),
        Caller("programme staff", world.staff, programme=True),
        Caller("programme admin", world.admin, programme=True),
    ]


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    methods = ("get", "post", "put", "patch", "delete")
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in methods
    ]


def _body(operation: dict[str, Any]) -> dict[str, Any] | None:
    """A valid JSON body, or None for routes without one (or taking uploads: they then get no
    body, and must still leak and write nothing)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    ref = content["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[-1]
    assert name in BODIES, f"add a valid {name} body to BODIES"
    return BODIES[name]()


def _curation_item(engine: Engine) -> int:
    """A programme-owned curation item whose text no profile holds."""
    with open_session(engine, mode="write") as session:
        item = CurationItem(kind="skill", text="zz unused text", text_key="zz unused text")
        session.add(item)
        session.commit()
        assert item.id is not None
        return item.id


def _snapshot(engine: Engine) -> list[Any]:
    """Every row of the owned tables, as plain data."""
    with open_session(engine, mode="read") as session:
        return [
            row.model_dump()
            for table in (
                Candidate,
                CandidateConcept,
                Opening,
                OpeningConcept,
                RoundAssignment,
                Consent,
            )
            for row in session.exec(select(table)).all()
        ]


def _round_placing(engine: Engine, candidate: dict[str, Any], opening: dict[str, Any]) -> int:
    """A finished round (programme-owned) that placed the foreign candidate in the foreign
    opening: only staff and the opening's employer may read that row."""
    with open_session(engine, mode="write") as session:
        found = Round(status="done", progress=1.0, result={"unassigned": []})
        session.add(found)
        session.flush()
        assert found.id is not None
        session.add(
            RoundAssignment(
                round_id=found.id,
                candidate_id=candidate["id"],
                opening_id=opening["id"],
                employer_id=opening["employer_id"],
                score=0.5,
                explanation={"terms": [["essential", 0.5]], "rules": []},
            )
        )
        session.commit()
        return found.id


def _placement(
    engine: Engine, round_id: int, candidate: dict[str, Any], opening: dict[str, Any]
) -> int:
    """The foreign pair, published: a placement of agency B's candidate at employer F."""
    with open_session(engine, mode="write") as session:
        placement = Placement(
            round_id=round_id,
            candidate_id=candidate["id"],
            opening_id=opening["id"],
            employer_id=opening["employer_id"],
            score=0.5,
        )
        session.add(placement)
        session.commit()
        assert placement.id is not None
        return placement.id


def _consent(engine: Engine, candidate: dict[str, Any]) -> int:
    """The foreign candidate's consent to show its identity to every employer."""
    with open_session(engine, mode="write") as session:
        consent = Consent(
            candidate_id=candidate["id"],
            agency_id=candidate["agency_id"],
            purpose="identity",
            notice_version="v1",
            channel="paper",
        )
        session.add(consent)
        session.commit()
        assert consent.id is not None
        return consent.id


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    def declared(dependant: Dependant) -> bool:
        return any(
            isinstance(dep.call, Allow) or dep.call is public or declared(dep)
            for dep in dependant.dependencies
        )

    def api_routes(routes: list[Any]) -> list[APIRoute]:
        # FastAPI keeps an included router as one entry holding the original router.
        found: list[APIRoute] = []
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):
                found += api_routes(route.original_router.routes)
        return found

    routes = api_routes(app.routes)
    assert len(routes) >= 11
    undeclared = [f"{r.methods} {r.path}" for r in routes if not declared(r.dependant)]
    assert undeclared == []


def test_no_route_leaks_or_writes_another_tenants_objects(
    client: TestClient, world: World, engine: Engine
) -> None:
    # The foreign tenants: agency B's candidate and employer F's opening.
    foreign_candidate = client.post(
        "/api/v1/candidates",
        json=candidate_body(full_name=f"Nadia {MARKER}", skills=MARKER, external_ref=MARKER),
        headers=auth(world.agency_b),
    ).json()
    foreign_opening = client.post(
        "/api/v1/openings",
        json=opening_body(title=f"Welder {MARKER}", description=MARKER, external_ref=MARKER),
        headers=auth(world.employer_f),
    ).json()
    round_id = _round_placing(engine, foreign_candidate, foreign_opening)
    path_values = {
        "candidate_id": foreign_candidate["id"],
        "opening_id": foreign_opening["id"],
        "round_id": round_id,
        "item_id": _curation_item(engine),
        "placement_id": _placement(engine, round_id, foreign_candidate, foreign_opening),
        "consent_id": _consent(engine, foreign_candidate),
    }
    before = _snapshot(engine)

    openapi = client.get("/api/v1/openapi.json").json()
    operations = _operations(openapi)
    assert len(operations) >= 11
    problems: list[str] = []
    for method, path, operation in operations:
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        missing = [n for n in names if n not in path_values]
        assert not missing, f"{method} {path}: add a foreign object for {missing}"
        url = path.format(**path_values)
        is_public = not operation.get("security")
        for caller in _callers(world):
            headers = auth(caller.token) if caller.token else {}
            response = client.request(method, url, json=_body(operation), headers=headers)
            where = f"{method} {path} as {caller.name}: {response.status_code}"
            if is_public:
                if response.status_code >= 500:
                    problems.append(f"{where} (server error)")
                continue
            if caller.token is None:
                if response.status_code != 401:
                    problems.append(f"{where}, expected 401")
                continue
            if caller.programme:
                # May read everything; may never write a tenant's object.
                writes = method != "GET" and (TENANT_OWNED - PROGRAMME_MANAGED).intersection(names)
                if writes and response.status_code not in (403, 404):
                    problems.append(f"{where}, a programme user changed a tenant's object")
                continue
            if TENANT_OWNED.intersection(names) and response.status_code not in (403, 404):
                problems.append(f"{where}, expected 404 (foreign object) or 403 (role)")
            if MARKER in response.text:
                problems.append(f"{where}, the answer shows another tenant's object")
            if response.status_code >= 500:
                problems.append(f"{where} (server error)")
    assert problems == []
    # Whatever was created in the caller's own tenant, nothing of the foreign objects changed.
    after = _snapshot(engine)
    foreign = [
        r for r in before if MARKER in str(r) or r.get("candidate_id") or r.get("opening_id")
    ]
    assert all(row in after for row in before), "a foreign row was changed or deleted"
    assert foreign  # the snapshot did hold them


def test_owner_reaches_its_own_objects(client: TestClient, world: World) -> None:
    """The matrix's 404s are about tenancy, not broken routes: the owner gets 200."""
    candidate = client.post(
        "/api/v1/candidates", json=candidate_body(), headers=auth(world.agency_b)
    ).json()
    opening = client.post(
        "/api/v1/openings", json=opening_body(), headers=auth(world.employer_f)
    ).json()
    assert (
        client.get(
            f"/api/v1/candidates/{candidate['id']}", headers=auth(world.agency_b)
        ).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/openings/{opening['id']}", headers=auth(world.employer_f)).status_code
        == 200
    )

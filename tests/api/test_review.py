"""Review of a finished round: decisions with reasons, publication behind the decision
requirement and the fairness gate, employers seeing nothing before publication and only their
published pseudonymised pairs after, re-optimisation after decisions, and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import col, select

from api.audit import verify
from api.auth import Principal, authenticate
from api.db import open_session
from api.errors import ConflictError, InvalidInputError
from api.models.audit import AuditRecord
from api.models.candidates import Candidate
from api.models.openings import Opening
from api.models.placements import Placement
from api.models.review import Decision, RoundPublication
from api.models.rounds import Round, RoundAssignment
from api.review import decide, publish, review_state
from tests.api.factories import World, auth, candidate_body, opening_body
from tests.api.test_rounds import KeywordNormaliser, _wait

ROUNDS = "/api/v1/rounds"
NAMES = ("Amina Benali", "Youssef Trabelsi", "Salma Haddad", "Omar Fathy")
EXPLANATION = {
    "terms": [["essential", 0.5]],
    "matched_essential": [],
    "matched_optional": [],
    "partial_credits": [],
    "missing_essential": [],
    "rules": [],
    "locked": False,
}


@pytest.fixture
def programme(client: TestClient, world: World) -> dict[str, Any]:
    """Four welders (agency A: three, agency B: one); employer E's opening (2 places) and F's
    (1 place)."""
    app: Any = client.app
    app.state.normaliser = KeywordNormaliser()
    ids: dict[str, Any] = {"candidates": []}
    for i, name in enumerate(NAMES):
        body = candidate_body(
            full_name=name,
            email=f"person{i}@example.org",
            languages="arabe, allemand B2",
            skills="soudure TIG, lecture de plans" if i % 2 == 0 else "soudure TIG",
            experience_years=i + 1,
        )
        token = world.agency_a if i < 3 else world.agency_b
        response = client.post("/api/v1/candidates", json=body, headers=auth(token))
        assert response.status_code == 201, response.text
        ids["candidates"].append(response.json()["id"])
    for key, token, extra in (
        ("e", world.employer_e, {"capacity": 2}),
        ("f", world.employer_f, {"capacity": 1, "country": "BE", "title": "Welder Liège"}),
    ):
        created = client.post("/api/v1/openings", json=opening_body(**extra), headers=auth(token))
        assert created.status_code == 201, created.text
        ids[f"opening_{key}"] = created.json()["id"]
        ids[f"employer_{key}"] = created.json()["employer_id"]
    return ids


def _done_round(
    engine: Engine,
    pairs: list[tuple[int, int, int]],
    unassigned: list[int],
    *,
    status: str = "done",
) -> int:
    """A finished round proposing ``pairs`` (candidate, opening, employer), stored directly."""
    with open_session(engine, mode="write") as session:
        found = Round(
            status=status,  # type: ignore[arg-type]
            progress=1.0,
            candidates=len(pairs) + len(unassigned),
            result={
                "metrics": {},
                "manifest": {"output_hash": "sha256:test"},
                "unassigned": [{"candidate": str(c), "reason": "outcompeted"} for c in unassigned],
            },
            output_hash="sha256:test",
        )
        session.add(found)
        session.flush()
        assert found.id is not None
        for k, (candidate, opening, employer) in enumerate(pairs):
            session.add(
                RoundAssignment(
                    round_id=found.id,
                    candidate_id=candidate,
                    opening_id=opening,
                    employer_id=employer,
                    score=0.9 - k / 100,
                    explanation=EXPLANATION,
                )
            )
        session.commit()
        return found.id


@pytest.fixture
def proposed(engine: Engine, programme: dict[str, Any]) -> dict[str, Any]:
    """A done round: c0 and c1 on E's opening, c2 on F's; c3 unassigned."""
    c = programme["candidates"]
    e = (programme["opening_e"], programme["employer_e"])
    f = (programme["opening_f"], programme["employer_f"])
    pairs = [(c[0], *e), (c[1], *e), (c[2], *f)]
    return programme | {"round": _done_round(engine, pairs, [c[3]]), "pairs": pairs}


def _decide(
    client: TestClient, world: World, round_id: int, candidate: int, opening: int, **extra: Any
) -> Any:
    """POST a decision: an accept with a reason unless ``extra`` says otherwise (a value of
    ``...`` leaves the field out)."""
    body = {
        "candidate_id": candidate,
        "opening_id": opening,
        "action": "accept",
        "reason_code": "good_match",
        "reason": "skills and language fit",
    } | extra
    body = {k: v for k, v in body.items() if v is not ...}
    return client.post(f"{ROUNDS}/{round_id}/decisions", json=body, headers=auth(world.staff))


def _count(engine: Engine, table: Any) -> int:
    with open_session(engine, mode="read") as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _principal(engine: Engine, token: str) -> Principal:
    with open_session(engine, mode="read") as session:
        found = authenticate(session, token)
    assert found is not None
    return found


def _actions(engine: Engine) -> list[tuple[str, dict[str, Any]]]:
    with open_session(engine, mode="read") as session:
        records = session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
        return [(r.action, dict(r.payload)) for r in records]


def test_publishing_needs_a_decision_on_every_pair(
    client: TestClient, world: World, engine: Engine, proposed: dict[str, Any]
) -> None:
    round_id = proposed["round"]
    publish_url = f"{ROUNDS}/{round_id}/publish"
    (c0, o_e, _), (c1, _, _), (c2, o_f, _) = proposed["pairs"]

    refused = client.post(publish_url, json={}, headers=auth(world.staff))
    assert refused.status_code == 409
    assert "3 pair(s)" in refused.json()["detail"]
    assert _decide(client, world, round_id, c0, o_e).status_code == 201
    assert _decide(client, world, round_id, c1, o_e, action="lock").status_code == 201
    refused = client.post(publish_url, json={}, headers=auth(world.staff))
    assert refused.status_code == 409
    assert f"({c2}, {o_f})" in refused.json()["detail"]
    assert (_count(engine, Placement), _count(engine, RoundPublication)) == (0, 0)
    assert client.post(publish_url, json={}, headers=auth(world.employer_e)).status_code == 403

    rejected = _decide(
        client, world, round_id, c2, o_f, action="reject", reason_code="language_gap"
    )
    assert rejected.status_code == 201
    state = client.get(f"{ROUNDS}/{round_id}/decisions", headers=auth(world.staff)).json()
    assert state["undecided"] == 0 and not state["published"]
    assert [p["state"] for p in state["pairs"]] == ["accept", "lock", "reject"]

    published = client.post(publish_url, json={}, headers=auth(world.staff))
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["published"], body["rejected"], body["signed_off"]) == (2, 1, False)
    assert body["lowest_impact"] is None  # every group is under 10: suppressed
    with open_session(engine, mode="read") as session:
        placed = session.exec(select(Placement).order_by(col(Placement.id))).all()
        assert [(p.candidate_id, p.opening_id, p.stage) for p in placed] == [
            (c0, o_e, "shortlisted"),
            (c1, o_e, "shortlisted"),
        ]
        assert sorted(body["placement_ids"]) == [p.id for p in placed]
    # Published once; no decision changes a published round.
    assert client.post(publish_url, json={}, headers=auth(world.staff)).status_code == 409
    assert _decide(client, world, round_id, c0, o_e, action="reject").status_code == 409
    assert _count(engine, Placement) == 2


@pytest.mark.parametrize("action", ["accept", "reject", "override", "lock"])
def test_every_decision_needs_a_reason(
    client: TestClient, world: World, engine: Engine, proposed: dict[str, Any], action: str
) -> None:
    (c0, o_e, _) = proposed["pairs"][0]
    audit_before = _count(engine, AuditRecord)
    for reason in (..., None, "", "   \n\t"):
        extra: dict[str, Any] = {"action": action, "reason": reason}
        if action == "override":
            extra["new_candidate_id"] = proposed["candidates"][3]
        response = _decide(client, world, proposed["round"], c0, o_e, **extra)
        assert response.status_code == 422, reason
        assert [p["loc"] for p in response.json()["detail"]] == [["body", "reason"]]
    assert _count(engine, Decision) == 0
    assert _count(engine, AuditRecord) == audit_before
    # With a reason, the same decision is taken.
    extra = {"action": action, "reason": "checked with the agency"}
    if action == "override":
        extra["new_candidate_id"] = proposed["candidates"][3]
    assert _decide(client, world, proposed["round"], c0, o_e, **extra).status_code == 201
    assert _count(engine, Decision) == 1


def test_decision_input_is_checked_field_by_field(
    client: TestClient, world: World, engine: Engine, proposed: dict[str, Any]
) -> None:
    round_id = proposed["round"]
    (c0, o_e, _), (c1, _, _), (_, o_f, _) = proposed["pairs"]
    c3 = proposed["candidates"][3]
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"action": "override"}, ["body", "new_candidate_id"]),
        ({"action": "override", "new_candidate_id": c0}, ["body", "new_candidate_id"]),
        ({"action": "accept", "new_candidate_id": c3}, ["body", "new_candidate_id"]),
        ({"action": "override", "new_candidate_id": 999_999}, ["body", "new_candidate_id"]),
        ({"action": "promote"}, ["body", "action"]),
        ({"reason_code": "because"}, ["body", "reason_code"]),
        ({"reason": "x" * 1001}, ["body", "reason"]),
    ]
    for extra, loc in cases:
        response = _decide(client, world, round_id, c0, o_e, **extra)
        assert response.status_code == 422, (extra, response.text)
        assert [p["loc"] for p in response.json()["detail"]] == [loc], extra
    # A pair the round did not propose; a round that is not done; a missing round.
    assert _decide(client, world, round_id, c0, o_f).status_code == 404
    assert _decide(client, world, round_id, c3, o_e).status_code == 404
    running = _done_round(engine, [], [], status="running")
    assert _decide(client, world, running, c0, o_e).status_code == 409
    assert _decide(client, world, 999_999, c0, o_e).status_code == 404
    assert _count(engine, Decision) == 0
    # The service says the same to the pages that call it directly.
    staff = _principal(engine, world.staff)
    with open_session(engine, mode="write") as session, pytest.raises(InvalidInputError) as err:
        decide(
            session,
            round_id=round_id,
            opening_id=o_e,
            candidate_id=c1,
            action="override",
            reason_code="better_candidate",
            reason=" ",
            actor=staff,
            new_candidate_id=c3,
        )
    assert [p.loc for p in err.value.problems] == [("body", "reason")]
    assert _count(engine, Decision) == 0


def test_override_puts_another_candidate_on_the_place(
    client: TestClient, world: World, engine: Engine, proposed: dict[str, Any]
) -> None:
    """The overridden-in pair is scored and explained, published instead of the proposed one,
    and only the employer's published pairs reach it, pseudonymised, after publication."""
    round_id = proposed["round"]
    (c0, o_e, _), (c1, _, _), (c2, o_f, _) = proposed["pairs"]
    c3 = proposed["candidates"][3]
    mine = f"{ROUNDS}/{round_id}/my-assignments"
    # Before publication the employers see nothing of the round.
    for token in (world.employer_e, world.employer_f):
        assert client.get(mine, headers=auth(token)).status_code == 404

    first = _decide(client, world, round_id, c1, o_e, action="accept")
    assert first.status_code == 201
    override = _decide(
        client,
        world,
        round_id,
        c1,
        o_e,
        action="override",
        reason_code="better_candidate",
        reason="employer interviewed both last year",
        new_candidate_id=c3,
    )
    assert override.status_code == 201, override.text
    assert override.json()["new_score"] is not None and override.json()["new_score"] > 0
    assert _decide(client, world, round_id, c0, o_e, action="lock").status_code == 201
    assert _decide(client, world, round_id, c2, o_f, action="reject").status_code == 201

    with open_session(engine, mode="read") as session:
        states = review_state(session, round_id)
    by_pair = {(s.candidate_id, s.opening_id): s for s in states}
    assert by_pair[(c1, o_e)].state == "override" and not by_pair[(c1, o_e)].published
    assert [h.action for h in by_pair[(c1, o_e)].history] == ["accept"]  # latest wins
    put_in = by_pair[(c3, o_e)]
    assert (put_in.state, put_in.proposed, put_in.published) == ("overridden_in", False, True)
    assert put_in.score == override.json()["new_score"]

    published = client.post(f"{ROUNDS}/{round_id}/publish", json={}, headers=auth(world.staff))
    assert published.status_code == 200, published.text
    with open_session(engine, mode="read") as session:
        placed = {(p.candidate_id, p.opening_id) for p in session.exec(select(Placement))}
    assert placed == {(c0, o_e), (c3, o_e)}

    seen = client.get(mine, headers=auth(world.employer_e))
    assert seen.status_code == 200
    rows = seen.json()["items"]
    assert seen.json()["total"] == 2 and [r["opening_id"] for r in rows] == [o_e, o_e]
    assert all(r["candidate"]["pseudonym"].startswith("C-") for r in rows)
    assert any(r["explanation"].get("terms") for r in rows)
    for secret in (*NAMES, "example.org", "employer interviewed", '"candidate_id"'):
        assert secret not in seen.text
    # F's only pair was rejected: published round, nothing for F.
    theirs = client.get(mine, headers=auth(world.employer_f))
    assert theirs.status_code == 200 and theirs.json()["total"] == 0


def _fair_programme(engine: Engine, programme: dict[str, Any]) -> tuple[int, list[int]]:
    """24 candidates (12 women, 12 men) and a round placing 2 women and 10 men: the women's
    impact ratio is 0.2."""
    with open_session(engine, mode="write") as session:
        agency = session.get(Candidate, programme["candidates"][0])
        assert agency is not None
        opening = Opening(
            title="Assembler", capacity=12, country="DE", employer_id=programme["employer_e"]
        )
        people = [
            Candidate(
                full_name=f"Person {i}",
                gender="female" if i < 12 else "male",
                country="MA",
                agency_id=agency.agency_id,
            )
            for i in range(24)
        ]
        session.add_all([opening, *people])
        session.commit()
        assert opening.id is not None
        ids = [p.id for p in people if p.id is not None]
    placed = ids[:2] + ids[12:22]
    pairs = [(c, opening.id, programme["employer_e"]) for c in placed]
    left = [c for c in ids if c not in placed]
    return _done_round(engine, pairs, left), placed


def test_fairness_gate_needs_a_recorded_sign_off(
    client: TestClient, world: World, engine: Engine, programme: dict[str, Any]
) -> None:
    round_id, placed = _fair_programme(engine, programme)
    staff = _principal(engine, world.staff)
    with open_session(engine, mode="write") as session:
        for pair in review_state(session, round_id):
            assert pair.candidate_id is not None
            decide(
                session,
                round_id=round_id,
                opening_id=pair.opening_id,
                candidate_id=pair.candidate_id,
                action="accept",
                reason_code="good_match",
                reason="fits",
                actor=staff,
            )
        session.commit()
    publish_url = f"{ROUNDS}/{round_id}/publish"
    for body in ({}, {"sign_off_reason": "   "}):
        refused = client.post(publish_url, json=body, headers=auth(world.staff))
        assert refused.status_code == 409
        detail = refused.json()["detail"]
        assert "gender" in detail and "'female'" in detail and "0.200" in detail
    assert (_count(engine, Placement), _count(engine, RoundPublication)) == (0, 0)
    # A lower threshold (the setting) lets it through without a sign-off.
    with open_session(engine, mode="write") as session:
        result = publish(session, round_id=round_id, actor=staff, threshold=0.1)
        assert not result.signed_off and result.lowest_impact is not None
        session.rollback()
    reason = "Only two women applied for the night shift; reviewed with the agency."
    signed = client.post(publish_url, json={"sign_off_reason": reason}, headers=auth(world.staff))
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["signed_off"] and body["published"] == 12
    lowest = body["lowest_impact"]
    assert (lowest["dimension"], lowest["group"]) == ("gender", "female")
    assert lowest["ratio"] == pytest.approx((2 / 12) / (10 / 12))
    with open_session(engine, mode="read") as session:
        record = session.exec(select(RoundPublication)).one()
        assert record.sign_off_reason == reason and record.lowest_ratio == pytest.approx(0.2)
        assert sorted(p.candidate_id or 0 for p in session.exec(select(Placement))) == placed
    actions = _actions(engine)
    signed_off = [p for a, p in actions if a == "round.signed_off"]
    assert len(signed_off) == 1 and signed_off[0]["group"] == "female"
    assert reason not in str(actions)  # free text stays out of the log


def test_audit_records_every_decision_and_the_publication(
    client: TestClient, world: World, engine: Engine, proposed: dict[str, Any]
) -> None:
    round_id = proposed["round"]
    (c0, o_e, _), (c1, _, _), (c2, o_f, _) = proposed["pairs"]
    c3 = proposed["candidates"][3]
    staff_id = _principal(engine, world.staff).user_id
    _decide(client, world, round_id, c0, o_e, reason="first look")
    _decide(client, world, round_id, c0, o_e, action="lock", reason_code="employer_requirement")
    _decide(client, world, round_id, c1, o_e, action="override", new_candidate_id=c3)
    _decide(client, world, round_id, c2, o_f, action="reject", reason_code="skills_gap")
    assert (
        client.post(f"{ROUNDS}/{round_id}/publish", json={}, headers=auth(world.staff)).status_code
        == 200
    )
    with open_session(engine, mode="read") as session:
        records = session.exec(select(AuditRecord).order_by(col(AuditRecord.id))).all()
        assert [r.action for r in records] == [
            "decision.accept",
            "decision.lock",
            "decision.override",
            "decision.reject",
            "round.published",
        ]
        assert all(r.actor_user_id == staff_id for r in records)
        assert {r.subject_id for r in records} == {str(round_id)}
        lock = records[1].payload
        assert (lock["old"], lock["new"], lock["reason_code"]) == (
            "accept",
            "lock",
            "employer_requirement",
        )
        assert records[2].payload["new_candidate_id"] == c3
        assert records[4].payload["published"] == 2
        report = verify(session)
        assert report.ok and report.records == 5
    text = str(_actions(engine))
    assert "first look" not in text and "skills and language fit" not in text


def test_publish_refuses_one_candidate_on_two_places(
    engine: Engine, world: World, proposed: dict[str, Any]
) -> None:
    round_id = proposed["round"]
    (c0, o_e, _), (c1, _, _), (c2, o_f, _) = proposed["pairs"]
    staff = _principal(engine, world.staff)
    with open_session(engine, mode="write") as session:
        common = {"round_id": round_id, "reason_code": "other", "reason": "r", "actor": staff}
        decide(session, opening_id=o_e, candidate_id=c0, action="accept", **common)
        decide(session, opening_id=o_e, candidate_id=c1, action="accept", **common)
        decide(
            session,
            opening_id=o_f,
            candidate_id=c2,
            action="override",
            new_candidate_id=c0,
            **common,
        )
        session.commit()
        with pytest.raises(ConflictError, match=f"candidate {c0}"):
            publish(session, round_id=round_id, actor=staff)
    assert _count(engine, Placement) == 0


def test_reoptimisation_keeps_locks_forbids_rejections_and_shows_who_moved(
    client: TestClient, world: World, engine: Engine, programme: dict[str, Any]
) -> None:
    """A real round, reviewed: lock one pair, reject one, accept one; the re-optimised round
    keeps the locked and accepted pairs, never uses the rejected one, and says who moved,
    why, and on whose decision. Round creation, finish and re-optimisation are audited."""
    created = client.post(ROUNDS, json={"seed": 3}, headers=auth(world.staff))
    assert created.status_code == 202
    done = _wait(client, created.json()["id"], world.staff, {"done", "failed", "stopped"})
    assert done["status"] == "done", done["error"]
    round_id = done["id"]
    rows = client.get(f"{ROUNDS}/{round_id}/assignments", headers=auth(world.staff)).json()
    o_e, o_f = programme["opening_e"], programme["opening_f"]
    [a, b] = [r["candidate_id"] for r in rows["items"] if r["opening_id"] == o_e]
    [d] = [r["candidate_id"] for r in rows["items"] if r["opening_id"] == o_f]
    [u] = [int(x["candidate"]) for x in done["result"]["unassigned"]]
    assert _decide(client, world, round_id, a, o_e, action="lock").status_code == 201
    rejected = _decide(client, world, round_id, b, o_e, action="reject", reason_code="skills_gap")
    assert rejected.status_code == 201
    assert _decide(client, world, round_id, d, o_f).status_code == 201
    url = f"{ROUNDS}/{round_id}/reoptimise"
    assert client.post(url, headers=auth(world.employer_e)).status_code == 403

    response = client.post(url, headers=auth(world.staff))
    assert response.status_code == 201, response.text
    body = response.json()
    new_id = body["round_id"]
    assert new_id != round_id and body["previous_round_id"] == round_id
    staff_id = _principal(engine, world.staff).user_id
    moves = {m["candidate_id"]: m for m in body["moves"]}
    assert moves[b]["before"] == o_e and moves[b]["after"] != o_e
    assert (moves[b]["reason"], moves[b]["reason_code"]) == ("forbidden", "skills_gap")
    assert moves[b]["decision_id"] == rejected.json()["id"]
    assert moves[b]["decided_by"] == staff_id
    assert a not in moves and d not in moves
    new_rows = client.get(f"{ROUNDS}/{new_id}/assignments", headers=auth(world.staff)).json()
    placed = {(r["candidate_id"], r["opening_id"]) for r in new_rows["items"]}
    assert {(a, o_e), (d, o_f)} <= placed and (b, o_e) not in placed
    # The freed place goes to the candidate left out before, with its own explanation.
    assert (u, o_e) in placed and moves[u]["reason"] == "newly_placed"
    assert moves[u]["decision_id"] is None
    fresh = next(r for r in new_rows["items"] if r["candidate_id"] == u)
    assert fresh["explanation"]["matched_essential"] and fresh["score"] > 0

    stored = client.get(f"{ROUNDS}/{new_id}", headers=auth(world.staff)).json()
    assert stored["status"] == "done"
    assert stored["result"]["reoptimisation"]["previous_round_id"] == round_id
    assert stored["result"]["reoptimisation"]["moves"] == body["moves"]
    assert [str(a), str(o_e)] in stored["policy"]["locks"]
    assert [str(d), str(o_f)] in stored["policy"]["locks"]
    assert [str(b), str(o_e)] in stored["policy"]["forbidden"]
    # A new round: employers see nothing of it until it is reviewed and published.
    mine = f"{ROUNDS}/{new_id}/my-assignments"
    assert client.get(mine, headers=auth(world.employer_e)).status_code == 404
    # Re-optimising again without new decisions moves nobody (the policy chains).
    again = client.post(f"{ROUNDS}/{new_id}/reoptimise", headers=auth(world.staff))
    assert again.status_code == 201, again.text
    assert again.json()["moves"] == [] and again.json()["kept"] == len(placed)

    actions = _actions(engine)
    names = [name for name, _ in actions]
    assert names[:2] == ["round.created", "round.finished"]
    assert names.count("reoptimisation.run") == 2
    finished = actions[1][1]
    assert finished["output_hash"] == done["output_hash"]
    assert finished["input_hash"] == done["result"]["manifest"]["input_hash"]
    run = next(p for name, p in actions if name == "reoptimisation.run")
    assert run["previous_round_id"] == round_id and run["output_hash"] == stored["output_hash"]
    with open_session(engine, mode="read") as session:
        created_record = session.exec(
            select(AuditRecord).where(col(AuditRecord.action) == "round.created")
        ).one()
        assert created_record.actor_user_id == staff_id
        assert verify(session).ok

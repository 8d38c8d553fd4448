"""Reports: every figure equals the one worked out by hand on a small programme stored directly
in the database; the CSV holds the same figures as the JSON; staff only."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import col, select

from api.cli import main
from api.db import open_session
from api.models.candidates import Candidate
from api.models.openings import Opening
from api.models.organisations import Organisation
from api.models.pipeline import StageEvent
from api.models.placements import STAGES, Placement
from api.models.review import Decision
from api.models.rounds import Round, RoundAssignment
from api.models.users import User
from api.reports import (
    pair_facts,
    stored_blocking_pairs,
    stored_price_of_fairness,
)
from api.review import fairness_rates
from api.round_worker import result_json
from api.settings import get_settings
from matching import Policy, run_round
from matching.records import Quota
from matching.report import essential_coverage, training_needs
from skills_taxonomy.normalizer import Normalizer
from tests.api.factories import World, auth
from tests.matching.factories import S, candidate, make_taxonomy, opening

TAXONOMY = make_taxonomy()

WELD = {"uri": "http://data.europa.eu/esco/skill/weld", "label": "weld metal"}
DRAW = {"uri": "http://data.europa.eu/esco/skill/draw", "label": "read engineering drawings"}
#: Score of each assigned candidate, in assignment order (f0–f3, m0–m5, o0).
SCORES = [0.05, 0.15, 0.3, 0.35, 0.5, 0.72, 0.9, 1.0, 0.95, 0.61, 0.44]


@dataclass
class Programme:
    round_id: int
    running_round_id: int
    #: Candidate ids by name: f0–f9 (female, MA, agency A), m0–m11 (male, TN but m10/m11 SN,
    #: agency B), o0–o2 (other, MA, agency A).
    ids: dict[str, int]
    #: User ids of the programme's staff and admin (the reviewers).
    staff: int
    admin: int


def _explanation(matched: int, missing: list[dict[str, str]], partial: int = 0) -> dict[str, Any]:
    return {
        "terms": [["essential_skills", 0.5]],
        "matched_essential": [{"uri": f"u{i}", "label": "x"} for i in range(matched)],
        "matched_optional": [],
        "partial_credits": [{"requirement": "essential"}] * partial + [{"requirement": "optional"}],
        "missing_essential": missing,
        "rules": [],
        "locked": False,
    }


@pytest.fixture
def programme(client: TestClient, world: World, engine: Engine) -> Programme:
    """25 candidates, 2 openings (3 + 2 places), a done round assigning 11 of them (20 places
    in its metrics) and 5 published placements; a running round."""
    with open_session(engine, mode="write") as session:
        orgs = {o.name: o.id for o in session.exec(select(Organisation)).all()}
        agency_a, agency_b = orgs["Agency A (MA)"], orgs["Agency B (TN)"]
        employer = orgs["Employer E (DE)"]
        assert agency_a and agency_b and employer
        people: dict[str, Candidate] = {}
        for i in range(10):
            people[f"f{i}"] = Candidate(
                full_name=f"F {i}", gender="female", country="MA", agency_id=agency_a
            )
        for i in range(12):
            people[f"m{i}"] = Candidate(
                full_name=f"M {i}",
                gender="male",
                country="SN" if i >= 10 else "TN",
                agency_id=agency_b,
            )
        for i in range(3):
            people[f"o{i}"] = Candidate(
                full_name=f"O {i}", gender="other", country="MA", agency_id=agency_a
            )
        openings = [
            Opening(title="Welder", capacity=3, country="DE", employer_id=employer),
            Opening(title="Fitter", capacity=2, country="DE", employer_id=employer),
        ]
        session.add_all([*people.values(), *openings])
        session.flush()
        ids = {name: c.id for name, c in people.items() if c.id is not None}
        op1, op2 = (o.id for o in openings)
        assert op1 is not None and op2 is not None

        assigned = ["f0", "f1", "f2", "f3", "m0", "m1", "m2", "m3", "m4", "m5", "o0"]
        unassigned = [n for n in ids if n not in assigned]
        done = Round(
            status="done",
            progress=1.0,
            result={
                "metrics": {
                    "places_total": 20,
                    "places_filled": 11,
                    "stability": {"blocking_pairs": 2},
                },
                "manifest": {"quotas": {"price_of_fairness": 0.25, "status": "met"}},
                "unassigned": [
                    {"candidate": str(ids[n]), "reason": "outcompeted", "details": {}}
                    for n in unassigned
                ],
            },
        )
        running = Round(status="running")
        session.add_all([done, running])
        session.flush()
        assert done.id is not None and running.id is not None
        # Explanations: f0 and m0 miss WELD, m1 misses WELD and DRAW; m2 has a partial
        # credit; the others match their 2 essential skills; o0 has no explanation.
        explanations = {
            "f0": _explanation(1, [WELD]),
            "m0": _explanation(2, [WELD]),
            "m1": _explanation(0, [DRAW, WELD]),
            "m2": _explanation(1, [], partial=1),
            "o0": {},
        }
        for name, score in zip(assigned, SCORES, strict=True):
            session.add(
                RoundAssignment(
                    round_id=done.id,
                    candidate_id=ids[name],
                    opening_id=op1 if name != "m2" else op2,
                    employer_id=employer,
                    score=score,
                    explanation=explanations.get(name, _explanation(2, [])),
                )
            )
        published = [
            ("f0", op1, "shortlisted", None),
            ("f1", op1, "interview", None),
            ("m0", op1, "placed", None),
            ("m1", op1, "closed", "declined"),
            ("m2", op2, "closed", "withdrew"),
        ]
        placements: dict[str, Placement] = {}
        for name, opening, stage, reason in published:
            placements[name] = Placement(
                round_id=done.id,
                candidate_id=ids[name],
                opening_id=opening,
                employer_id=employer,
                score=SCORES[assigned.index(name)],
                stage=stage,
                close_reason=reason,
            )
        session.add_all(placements.values())
        session.flush()
        # Histories: f1 went to interview; m0 to interview, offer, then placed; m1 to
        # interview, then declined; m2 withdrew at once (f0 has none).
        history = [
            ("f1", "shortlisted", "interview"),
            ("m0", "shortlisted", "interview"),
            ("m0", "interview", "offer"),
            ("m0", "offer", "placed"),
            ("m1", "shortlisted", "interview"),
            ("m1", "interview", "closed"),
            ("m2", "shortlisted", "closed"),
        ]
        for name, source, target in history:
            placement_id = placements[name].id
            assert placement_id is not None
            session.add(StageEvent(placement_id=placement_id, from_stage=source, to_stage=target))
        # Staff: 4 decisions on the done round, 2 of them overrides; admin: a lock there and
        # an override on the other round.
        users = {
            role: user_id
            for user_id, role in session.execute(
                select(User.id, User.role).where(col(User.organisation_id) == orgs["Programme"])
            )
        }
        decisions = [
            ("staff", done.id, "f0", "accept"),
            ("staff", done.id, "m1", "override"),
            ("staff", done.id, "m2", "reject"),
            ("staff", done.id, "f1", "override"),
            ("admin", done.id, "m0", "lock"),
            ("admin", running.id, "m3", "override"),
        ]
        for role, round_id, name, action in decisions:
            session.add(
                Decision(
                    round_id=round_id,
                    candidate_id=ids[name],
                    opening_id=op1,
                    action=action,
                    reason_code="other",
                    reason="hand-made fixture",
                    new_candidate_id=ids["f9"] if action == "override" else None,
                    decided_by=users[role],
                )
            )
        session.commit()
        return Programme(
            round_id=done.id,
            running_round_id=running.id,
            ids=ids,
            staff=users["staff"],
            admin=users["admin"],
        )


def _groups(report: dict[str, Any], basis: str, dimension: str) -> dict[str, Any]:
    (found,) = [
        g for g in report["fairness"] if g["basis"] == basis and g["dimension"] == dimension
    ]
    return found


def _rates(report: dict[str, Any], basis: str, dimension: str) -> dict[str, Any]:
    return {
        g["group"]: (None if g["suppressed"] else (g["candidates"], g["selected"], g["rate"]))
        for g in _groups(report, basis, dimension)["groups"]
    }


def _ratios(report: dict[str, Any], basis: str, dimension: str) -> dict[str, float]:
    return {
        g["group"]: g["impact_ratio"]
        for g in _groups(report, basis, dimension)["groups"]
        if not g["suppressed"]
    }


def test_round_report_figures(client: TestClient, world: World, programme: Programme) -> None:
    response = client.get(f"/api/v1/reports/rounds/{programme.round_id}", headers=auth(world.staff))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["scope"], report["round_id"]) == ("round", programme.round_id)

    stages = {s["stage"]: s["count"] for s in report["funnel"]["stages"]}
    assert list(stages) == list(STAGES)
    assert stages == dict.fromkeys(STAGES, 0) | {
        "shortlisted": 1,
        "interview": 1,
        "placed": 1,
        "closed": 2,
    }
    assert report["funnel"]["total"] == 5
    # Reached: all 5 were shortlisted; f1, m0, m1 reached interview; m0 offer → placed.
    reached = {s["stage"]: s["count"] for s in report["funnel"]["reached"]}
    assert reached == {
        "shortlisted": 5,
        "interview": 3,
        "offer": 1,
        "training": 1,
        "visa": 1,
        "departed": 1,
        "placed": 1,
        "returned": 0,
        "reintegrated": 0,
    }
    assert report["funnel"]["closed_by_reason"] == [
        {"reason": "declined", "count": 1},
        {"reason": "withdrew", "count": 1},
    ]
    assert report["fill"] == {"places_total": 20, "places_filled": 11, "fill_rate": 0.55}

    assert report["pairs"] == 11
    assert report["mean_score"] == pytest.approx(sum(SCORES) / 11)
    # 0.05 | 0.15 | — | 0.3, 0.35 | 0.44 | 0.5 | 0.61 | 0.72 | — | 0.9, 0.95, 1.0 | (over 1)
    assert [b["count"] for b in report["score_distribution"]] == [1, 1, 0, 2, 1, 1, 1, 1, 0, 3, 0]
    assert report["score_distribution"][0] == {"lower": 0.0, "upper": 0.1, "count": 1}
    assert report["score_distribution"][-1]["upper"] is None

    # Explained pairs: 10 (o0 has none). Matched: f0 1, m0 2, m1 0, m2 1, six others 2 each
    # = 16; required: 16 matched + 4 missing (f0, m0, m1 ×2) + 1 partial (m2) = 21.
    assert report["essential_coverage"] == pytest.approx(16 / 21)
    assert report["training_needs"] == [
        {**WELD, "count": 3, "share": pytest.approx(0.3)},
        {**DRAW, "count": 1, "share": pytest.approx(0.1)},
    ]

    # Assigned: female 4/10, male 6/12, other (3) suppressed.
    assert _rates(report, "assigned", "gender") == {
        "female": (10, 4, 0.4),
        "male": (12, 6, 0.5),
        "other": None,
    }
    assert _ratios(report, "assigned", "gender") == {"female": pytest.approx(0.8), "male": 1.0}
    assigned_gender = _groups(report, "assigned", "gender")
    assert assigned_gender["lowest_group"] == "female"
    # Origin: MA = f0–f3 + o0 of 13; TN = m0–m5 of 10; SN (2) suppressed.
    assert _rates(report, "assigned", "origin") == {
        "MA": (13, 5, pytest.approx(5 / 13)),
        "SN": None,
        "TN": (10, 6, 0.6),
    }
    assert _ratios(report, "assigned", "origin") == {"MA": pytest.approx(25 / 39), "TN": 1.0}
    assert _ratios(report, "assigned", "agency") == {
        "Agency A (MA)": pytest.approx(10 / 13),
        "Agency B (TN)": 1.0,
    }
    # Published: f0, f1 (2/10), m0, m1, m2 (3/12); placed: m0 only.
    assert _rates(report, "published", "gender") == {
        "female": (10, 2, 0.2),
        "male": (12, 3, 0.25),
        "other": None,
    }
    assert _ratios(report, "published", "gender") == {"female": pytest.approx(0.8), "male": 1.0}
    assert _ratios(report, "placed", "gender") == {"female": 0.0, "male": 1.0}
    assert len(report["fairness"]) == 9

    assert report["price_of_fairness"] == 0.25
    assert report["blocking_pairs"] == 2
    assert report["source_round_id"] == programme.round_id
    assert report["reviewers"] == sorted(
        [
            {"reviewer": programme.staff, "decisions": 4, "overrides": 2, "override_rate": 0.5},
            {"reviewer": programme.admin, "decisions": 1, "overrides": 0, "override_rate": 0.0},
        ],
        key=lambda r: r["reviewer"],
    )


def test_programme_report_figures(client: TestClient, world: World, programme: Programme) -> None:
    response = client.get("/api/v1/reports/programme", headers=auth(world.admin))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["scope"], report["round_id"]) == ("programme", None)
    assert report["funnel"]["total"] == 5
    assert [s["count"] for s in report["funnel"]["reached"]] == [5, 3, 1, 1, 1, 1, 1, 0, 0]
    # Open placements per opening: Welder 3 (f0, f1, m0; m1 closed) of 3; Fitter 0 of 2.
    assert report["fill"] == {"places_total": 5, "places_filled": 3, "fill_rate": 0.6}
    # The placements' scores: f0 0.05, f1 0.15, m0 0.5, m1 0.72, m2 0.9.
    assert report["pairs"] == 5
    assert [b["count"] for b in report["score_distribution"]] == [1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0]
    # Their explanations: f0 1 of 2, f1 2 of 2, m0 2 of 3, m1 0 of 2, m2 1 of 2 → 6 of 11.
    assert report["essential_coverage"] == pytest.approx(6 / 11)
    assert [(n["uri"], n["count"]) for n in report["training_needs"]] == [
        (WELD["uri"], 3),
        (DRAW["uri"], 1),
    ]
    assert {g["basis"] for g in report["fairness"]} == {"published", "placed"}
    assert _rates(report, "published", "gender") == {
        "female": (10, 2, 0.2),
        "male": (12, 3, 0.25),
        "other": None,
    }
    assert _rates(report, "placed", "agency") == {
        "Agency A (MA)": (13, 0, 0.0),
        "Agency B (TN)": (12, 1, pytest.approx(1 / 12)),
    }
    # From the latest finished round (the running one has no result).
    assert (report["price_of_fairness"], report["blocking_pairs"]) == (0.25, 2)
    assert report["source_round_id"] == programme.round_id
    # Every decision, of both rounds.
    rates = {r["reviewer"]: (r["decisions"], r["overrides"]) for r in report["reviewers"]}
    assert rates == {programme.staff: (4, 2), programme.admin: (2, 1)}


def test_round_without_stored_figures_reports_them_as_null(
    client: TestClient, world: World, engine: Engine
) -> None:
    with open_session(engine, mode="write") as session:
        bare = Round(status="done", progress=1.0, result={"unassigned": []})
        session.add(bare)
        session.commit()
        round_id = bare.id
    report = client.get(f"/api/v1/reports/rounds/{round_id}", headers=auth(world.staff)).json()
    assert report["price_of_fairness"] is None and report["blocking_pairs"] is None
    assert report["fill"] == {"places_total": None, "places_filled": 0, "fill_rate": None}
    assert report["mean_score"] is None and report["essential_coverage"] is None
    assert report["funnel"]["total"] == 0
    assert [g["basis"] for g in report["fairness"]] == ["assigned"] * 3  # not published
    assert all(g["groups"] == [] for g in report["fairness"])


def test_csv_holds_the_json_figures(client: TestClient, world: World, programme: Programme) -> None:
    url = f"/api/v1/reports/rounds/{programme.round_id}"
    report = client.get(url, headers=auth(world.staff)).json()
    response = client.get(url, params={"format": "csv"}, headers=auth(world.staff))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="round-{programme.round_id}-report.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["section", "basis", "dimension", "item", "measure", "value"]
    cells = {
        (r["section"], r["basis"], r["dimension"], r["item"], r["measure"]): r["value"]
        for r in rows
    }
    assert len(cells) == len(rows)  # one row per figure

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return repr(value) if isinstance(value, float) else str(value)

    expected = {
        ("report", "", "", "", "scope"): "round",
        ("report", "", "", "", "round_id"): str(programme.round_id),
        ("report", "", "", "", "source_round_id"): str(programme.round_id),
        ("funnel", "", "", "total", "count"): "5",
        ("scores", "", "", "", "pairs"): "11",
        ("scores", "", "", "", "mean"): cell(report["mean_score"]),
        ("essential_coverage", "", "", "", "share"): cell(report["essential_coverage"]),
        ("price_of_fairness", "", "", "", "score"): "0.25",
        ("blocking_pairs", "", "", "", "count"): "2",
    }
    expected |= {
        ("funnel", "", "", s["stage"], "count"): str(s["count"]) for s in report["funnel"]["stages"]
    }
    expected |= {
        ("funnel_reached", "", "", s["stage"], "count"): str(s["count"])
        for s in report["funnel"]["reached"]
    }
    expected |= {
        ("closed_by_reason", "", "", c["reason"], "count"): str(c["count"])
        for c in report["funnel"]["closed_by_reason"]
    }
    expected |= {("fill", "", "", "", k): cell(v) for k, v in report["fill"].items()}
    for b in report["score_distribution"]:
        upper = "" if b["upper"] is None else f"{b['upper']:.1f}"
        expected[("score_distribution", "", "", f"{b['lower']:.1f}-{upper}", "count")] = str(
            b["count"]
        )
    for n in report["training_needs"]:
        for measure in ("label", "count", "share"):
            expected[("training_needs", "", "", n["uri"], measure)] = cell(n[measure])
    for g in report["fairness"]:
        key = ("fairness", g["basis"], g["dimension"])
        for rate in g["groups"]:
            if rate["suppressed"]:
                expected[(*key, rate["group"], "suppressed")] = "true"
                continue
            for measure in ("candidates", "selected", "rate", "impact_ratio"):
                expected[(*key, rate["group"], measure)] = cell(rate[measure])
        expected[(*key, "", "lowest_group")] = cell(g["lowest_group"])
        expected[(*key, "", "lowest_impact_ratio")] = cell(g["lowest_impact_ratio"])
    for v in report["reviewers"]:
        for measure in ("decisions", "overrides", "override_rate"):
            expected[("reviewers", "", "", str(v["reviewer"]), measure)] = cell(v[measure])
    assert cells == expected
    # Spot checks against the hand-computed figures, straight from the CSV.
    assert cells[("fairness", "assigned", "gender", "female", "rate")] == "0.4"
    assert cells[("fairness", "assigned", "gender", "other", "suppressed")] == "true"
    assert ("fairness", "assigned", "gender", "other", "rate") not in cells
    assert cells[("score_distribution", "", "", "0.9-1.0", "count")] == "3"

    programme_csv = client.get(
        "/api/v1/reports/programme", params={"format": "csv"}, headers=auth(world.staff)
    )
    assert programme_csv.headers["content-disposition"] == (
        'attachment; filename="programme-report.csv"'
    )
    assert "fill,,,,fill_rate,0.6\r\n" in programme_csv.text


def test_reports_are_for_programme_staff_only(
    client: TestClient, world: World, programme: Programme
) -> None:
    urls = [f"/api/v1/reports/rounds/{programme.round_id}", "/api/v1/reports/programme"]
    for url in urls:
        for params in ({}, {"format": "csv"}):
            for token in (world.agency_a, world.employer_e):
                response = client.get(url, params=params, headers=auth(token))
                assert response.status_code == 403, (url, params)
                assert "female" not in response.text
            assert client.get(url, params=params).status_code == 401


def test_round_report_errors(client: TestClient, world: World, programme: Programme) -> None:
    staff = auth(world.staff)
    running = client.get(f"/api/v1/reports/rounds/{programme.running_round_id}", headers=staff)
    assert running.status_code == 409
    assert "running" in running.json()["detail"]
    assert client.get("/api/v1/reports/rounds/999999", headers=staff).status_code == 404
    bad = client.get(
        f"/api/v1/reports/rounds/{programme.round_id}", params={"format": "xml"}, headers=staff
    )
    assert bad.status_code == 422
    assert "format" in bad.text


def test_stored_round_json_reads_as_the_core_computed_it() -> None:
    """The service reads a real round's stored JSON (``result_json``) as the core means it:
    the essential coverage it finds equals the core's metric, missing skills carry their
    taxonomy labels, and the price of fairness is the quota report's."""
    cands = [
        candidate(
            f"c{i}",
            ["s01", "s06"] if i < 4 else ["s01"],
            experience_years=float(8 - i),
            gender="m" if i < 4 else "f",
        )
        for i in range(8)
    ]
    opens = [opening("v1", ["s01", "s06"], capacity=2), opening("v2", ["s01", "s06"])]
    quota = Quota("gender", "f", "programme", min_share=0.5)
    result = result_json(run_round(cands, opens, Policy(quotas=(quota,)), taxonomy=TAXONOMY))
    pairs = [pair_facts(a["score"], a["explanation"]) for a in result["assignments"]]
    assert len(pairs) == 3 and all(p.explained for p in pairs)
    assert essential_coverage(pairs) == pytest.approx(result["metrics"]["essential_coverage"])
    # Two women placed (the quota), each missing s06 (no relation credits it).
    assert [(n.uri, n.label, n.count) for n in training_needs(pairs)] == [
        (S("s06"), TAXONOMY.preferred_label(S("s06")), 2)
    ]
    price = stored_price_of_fairness(result)
    assert price is not None and price > 0
    assert price == result["manifest"]["quotas"]["price_of_fairness"]
    blocking = stored_blocking_pairs(result)  # every mode counts them
    assert blocking is not None
    assert blocking == result["metrics"]["stability"]["blocking_pairs"] >= 0
    plain = result_json(run_round(cands, opens, Policy(), taxonomy=TAXONOMY))
    assert stored_price_of_fairness(plain) is None


def test_published_rates_are_the_publishing_gates(
    client: TestClient, world: World, engine: Engine, programme: Programme
) -> None:
    """A candidate an override put on a place (not among the round's own) joins the round's
    population, as in the gate of ``api.review.publish``; both find the same rates."""
    with open_session(engine, mode="write") as session:
        agency_a = session.exec(
            select(Organisation.id).where(col(Organisation.name) == "Agency A (MA)")
        ).one()
        newcomer = Candidate(full_name="X", gender="female", country="MA", agency_id=agency_a)
        session.add(newcomer)
        session.flush()
        first = session.exec(
            select(Placement).where(col(Placement.round_id) == programme.round_id)
        ).first()
        assert first is not None and newcomer.id is not None
        session.add(
            Placement(
                round_id=programme.round_id,
                candidate_id=newcomer.id,
                opening_id=first.opening_id,
                employer_id=first.employer_id,
                score=0.4,
            )
        )
        session.commit()
        newcomer_id = newcomer.id
    report = client.get(
        f"/api/v1/reports/rounds/{programme.round_id}", headers=auth(world.staff)
    ).json()
    # Female: f0, f1 and the newcomer published, of 11; assigned: 4 of 11.
    assert _rates(report, "published", "gender")["female"] == (11, 3, pytest.approx(3 / 11))
    assert _rates(report, "assigned", "gender")["female"] == (11, 4, pytest.approx(4 / 11))

    published = {programme.ids[n] for n in ("f0", "f1", "m0", "m1", "m2")} | {newcomer_id}
    population = set(programme.ids.values()) | {newcomer_id}
    with open_session(engine, mode="read") as session:
        gate = fairness_rates(session, population, published)
    for dimension in ("gender", "origin", "agency"):  # agencies by name in both
        assert {
            group: None if figures.get("suppressed") else figures["rate"]
            for group, figures in gate[dimension].items()
        } == {
            group: None if figures is None else figures[2]
            for group, figures in _rates(report, "published", dimension).items()
        }


def test_cli_report_prints_what_the_api_answers(
    client: TestClient,
    world: World,
    programme: Programme,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        out = tmp_path / "round.csv"
        args = ["report", "--round", str(programme.round_id), "--format", "csv"]
        assert main([*args, "--output", str(out)]) == 0
        assert main(["report"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert main(["report", "--round", str(programme.running_round_id)]) == 2
        assert "running" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    api_csv = client.get(
        f"/api/v1/reports/rounds/{programme.round_id}",
        params={"format": "csv"},
        headers=auth(world.staff),
    )
    assert out.read_bytes().decode("utf-8") == api_csv.text
    assert printed == client.get("/api/v1/reports/programme", headers=auth(world.staff)).json()


TIG = "http://data.europa.eu/esco/skill/050dc15e-a41f-4958-bb2c-3fa46c2182be"


def test_training_needs_in_the_asked_language(
    client: TestClient, world: World, programme: Programme, engine: Engine, normalizer: Normalizer
) -> None:
    with open_session(engine, mode="write") as session:
        found = session.get(Round, programme.round_id)
        assert found is not None
        row = session.exec(
            select(RoundAssignment).where(col(RoundAssignment.round_id) == found.id)
        ).first()
        assert row is not None
        # One more pair missing TIG welding (stored with the core's English label).
        row.explanation = _explanation(0, [{"uri": TIG, "label": "stored label"}, WELD])
        session.add(row)
        session.commit()
    url = f"/api/v1/reports/rounds/{programme.round_id}"
    taxonomy = normalizer.taxonomy
    french = taxonomy.preferred_label(TIG, lang="fr")
    assert french != taxonomy.preferred_label(TIG, lang="en")
    labels = {
        lang: {
            n["uri"]: n["label"]
            for n in client.get(url, params=params, headers=auth(world.staff)).json()[
                "training_needs"
            ]
        }
        for lang, params in (("stored", {}), ("fr", {"lang": "fr"}))
    }
    assert labels["stored"][TIG] == "stored label"
    assert labels["fr"][TIG] == french
    # A concept the taxonomy lacks keeps its stored label.
    assert labels["fr"][WELD["uri"]] == WELD["label"]
    csv_text = client.get(
        url, params={"lang": "fr", "format": "csv"}, headers=auth(world.staff)
    ).text
    assert f"training_needs,,,{TIG},label,{french}" in csv_text
    bad = client.get(url, params={"lang": "french"}, headers=auth(world.staff))
    assert bad.status_code == 422 and "lang" in bad.text

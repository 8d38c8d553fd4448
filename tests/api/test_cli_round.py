"""`mobility-match round`: the command-line contract on small fixtures."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import matching.round
from api.cli import main
from tests.matching.factories import S, make_taxonomy, milp_optimal


@pytest.fixture(autouse=True)
def _solver(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    if importlib.util.find_spec("matching.solvers.optimal") is None:
        monkeypatch.setattr(matching.round, "resolve_solver", lambda mode: milp_optimal)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("taxonomy") / "test.zip"
    make_taxonomy().save(path)
    return path


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


CANDIDATES: list[dict[str, object]] = [
    {
        "id": "c1",
        "skills": [S("s01"), {"uri": S("s02"), "level": 0.8}],
        "languages": {"de": "B2"},
        "eqf": 5,
        "experience_years": 3,
        "gender": "f",
        "origin": "MA",
        "destinations": ["DE"],
        "available_from": "2027-03-01",
    },
    {"id": "c2", "skills": [S("s01")], "languages": {"de": "A2"}, "gender": "m", "origin": "TN"},
    {"id": "c3", "skills": [S("s09")], "languages": {"de": "C1"}, "gender": "f", "origin": "EG"},
]
OPENINGS: list[dict[str, object]] = [
    {
        "id": "v1",
        "kind": "job",
        "employer": "e1",
        "country": "DE",
        "essential_skills": [S("s01"), S("s02")],
        "optional_skills": [S("s03")],
        "min_languages": {"de": "B1"},
        "min_eqf": 4,
        "capacity": 1,
        "start": "2027-04-01",
    },
    {
        "id": "v2",
        "country": "DE",
        "essential_skills": [S("s09"), S("s10")],
        "min_languages": {"de": "B1"},
        "capacity": 2,
    },
]


def _run(tmp_path: Path, bundle: Path, *extra: str, cands=CANDIDATES, opens=OPENINGS) -> int:  # type: ignore[no-untyped-def]
    c = _write(tmp_path / "c.jsonl", cands)
    o = _write(tmp_path / "o.jsonl", opens)
    return main(
        [
            "round",
            "--candidates",
            str(c),
            "--openings",
            str(o),
            "--out",
            str(tmp_path / "out.json"),
            "--taxonomy",
            str(bundle),
            *extra,
        ]
    )


def test_end_to_end(tmp_path: Path, bundle: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"mode": "optimal", "shortlist": 5, "seed": 1}), encoding="utf-8")
    edges = tmp_path / "edges.csv"
    assert _run(tmp_path, bundle, "--policy", str(policy), "--edges", str(edges)) == 0
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert set(out) == {"assignments", "unassigned", "metrics", "manifest", "reserves"}
    assert [(a["candidate"], a["opening"]) for a in out["assignments"]] == [
        ("c1", "v1"),
        ("c3", "v2"),
    ]
    for a in out["assignments"]:
        assert sum(v for _, v in a["explanation"]["terms"]) == a["score"]
    (u,) = out["unassigned"]
    assert (u["candidate"], u["reason"]) == ("c2", "no_eligible_opening")
    assert u["details"]["binding_rules"][0]["detail"] == "needs de B1, has A2"
    assert out["metrics"]["places_total"] == 3 and out["metrics"]["candidates_placed"] == 2
    assert out["manifest"]["taxonomy_version"] == "ESCO test 0.1"
    with open(edges, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["candidate", "opening", "score"]
    assert [r[:2] for r in rows[1:]] == [["c1", "v1"], ["c3", "v2"]]
    first = (tmp_path / "out.json").read_bytes()
    assert _run(tmp_path, bundle, "--policy", str(policy)) == 0
    assert (tmp_path / "out.json").read_bytes() == first


@pytest.mark.parametrize(
    ("cands", "opens", "needle"),
    [
        ([*CANDIDATES, CANDIDATES[0]], OPENINGS, "candidate c1: field 'id': duplicate id"),
        (
            [{**CANDIDATES[0], "skills": ["http://data.europa.eu/esco/skill/nope"]}],
            OPENINGS,
            "candidate c1: field 'skills'",
        ),
        (CANDIDATES, [{**OPENINGS[0], "capacity": -2}], "opening v1: field 'capacity'"),
        (
            CANDIDATES,
            [{**OPENINGS[0], "min_languages": {"de": "B9"}}],
            "opening v1: field 'min_languages'",
        ),
        (
            [{**CANDIDATES[0], "available_from": "2027-02-30"}],
            OPENINGS,
            "candidate c1: field 'available_from'",
        ),
    ],
)
def test_invalid_input_exits_2_without_output(
    tmp_path: Path,
    bundle: Path,
    capsys: pytest.CaptureFixture[str],
    cands: list[dict[str, object]],
    opens: list[dict[str, object]],
    needle: str,
) -> None:
    edges = tmp_path / "edges.csv"
    assert _run(tmp_path, bundle, "--edges", str(edges), cands=cands, opens=opens) == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists() and not edges.exists()
    assert [p.name for p in tmp_path.iterdir()] == sorted(["c.jsonl", "o.jsonl"]) or set(
        p.name for p in tmp_path.iterdir()
    ) == {"c.jsonl", "o.jsonl"}


def test_bad_policy_exits_2(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"mode": "lottery"}), encoding="utf-8")
    assert _run(tmp_path, bundle, "--policy", str(policy)) == 2
    assert "policy: field 'mode'" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()

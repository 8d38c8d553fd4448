"""`mobility-match round --policy FILE` with quotas: met, priced, relaxed or refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main
from tests.matching.factories import S, make_taxonomy


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("taxonomy") / "test.zip"
    make_taxonomy().save(path)
    return path


#: Men hold both essential skills, women one: without a quota the men take both places.
CANDIDATES = [
    {"id": f"c{i}", "skills": [S("s01"), S("s02")] if i < 3 else [S("s01")],
     "experience_years": 6 - i, "gender": "m" if i < 3 else "f"}
    for i in range(6)
]  # fmt: skip
OPENINGS = [{"id": "v1", "essential_skills": [S("s01"), S("s02")], "capacity": 2}]


def _run(tmp_path: Path, bundle: Path, policy: dict[str, object]) -> int:
    files = {"c.jsonl": CANDIDATES, "o.jsonl": OPENINGS}
    for name, rows in files.items():
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    (tmp_path / "policy.json").write_text(json.dumps(policy), encoding="utf-8")
    return main(
        ["round", "--candidates", str(tmp_path / "c.jsonl"), "--openings",
         str(tmp_path / "o.jsonl"), "--policy", str(tmp_path / "policy.json"),
         "--out", str(tmp_path / "out.json"), "--taxonomy", str(bundle)]
    )  # fmt: skip


def test_quota_met_and_priced(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quota = {"group": "gender", "value": "f", "min_share": 0.5}
    assert _run(tmp_path, bundle, {"quotas": [quota]}) == 0
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    placed = sorted(a["candidate"] for a in out["assignments"])
    assert placed == ["c0", "c3"]  # the best man and the best woman
    report = out["manifest"]["quotas"]
    assert out["manifest"]["solver"] == "quotas"
    assert report["status"] == "met"
    assert report["total"] == pytest.approx(out["manifest"]["objective"])
    assert report["price_of_fairness"] > 0
    assert report["price_of_fairness"] == pytest.approx(
        report["unconstrained_total"] - report["total"]
    )
    assert out["manifest"]["policy"]["quotas"][0]["min_share"] == 0.5
    assert "quotas met: total" in capsys.readouterr().err


def test_unreachable_quota_relaxed_or_refused(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy: dict[str, object] = {
        "quotas": [{"group": "gender", "value": "f", "min_share": 0.5}],
        "locks": [["c1", "v1"], ["c2", "v1"]],
    }
    assert _run(tmp_path, bundle, policy) == 0
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["manifest"]["quotas"]
    assert report["status"] == "relaxed"
    (outcome,) = report["outcomes"]
    assert outcome["applied"]["min_share"] == 0.0
    assert outcome["shortfalls"][0]["reason"].startswith("capacity: 0 free place(s)")
    assert "relaxed gender=f: at least 50%" in capsys.readouterr().err

    (tmp_path / "out.json").unlink()
    assert _run(tmp_path, bundle, {**policy, "unreachable_quotas": "fail"}) == 2
    assert "quota 0 (gender=f: at least 50% of placements in the programme) unreachable" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "out.json").exists()


def test_bad_quota_exits_2_naming_the_field(
    tmp_path: Path, bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {"quotas": [{"group": "gender", "value": "f", "min_share": 1.5}]}
    assert _run(tmp_path, bundle, bad) == 2
    assert "policy: field 'quotas.0.min_share'" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()

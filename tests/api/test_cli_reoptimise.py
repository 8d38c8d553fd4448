"""`mobility-match reoptimise`: the command-line contract on a small round."""

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


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


CANDIDATES: list[dict[str, object]] = [
    {"id": "c1", "skills": [S("s01"), S("s02")]},
    {"id": "c2", "skills": [S("s01")]},
    {"id": "c3", "skills": [S("s09"), S("s10")]},
    {"id": "c4", "skills": [S("s09")]},
]
OPENINGS: list[dict[str, object]] = [
    {"id": "v1", "essential_skills": [S("s01"), S("s02")]},
    {"id": "v2", "essential_skills": [S("s09"), S("s10")]},
]


@pytest.fixture
def round_files(tmp_path: Path, bundle: Path) -> dict[str, Path]:
    files = {
        "candidates": _write(tmp_path / "c.jsonl", CANDIDATES),
        "openings": _write(tmp_path / "o.jsonl", OPENINGS),
        "round": tmp_path / "round.json",
        "edges": tmp_path / "edges.csv",
        "bundle": bundle,
    }
    code = main(
        [
            "round",
            "--candidates",
            str(files["candidates"]),
            "--openings",
            str(files["openings"]),
            "--out",
            str(files["round"]),
            "--edges",
            str(files["edges"]),
            "--taxonomy",
            str(bundle),
        ]
    )
    assert code == 0
    return files


def _reoptimise(files: dict[str, Path], changes: dict[str, object], *extra: str) -> int:
    path = files["round"].parent / "changes.json"
    path.write_text(json.dumps(changes), encoding="utf-8")
    return main(
        [
            "reoptimise",
            "--round",
            str(files["round"]),
            "--edges",
            str(files["edges"]),
            "--openings",
            str(files["openings"]),
            "--changes",
            str(path),
            "--out",
            str(files["round"].parent / "new.json"),
            *extra,
        ]
    )


def test_dropout_moves_the_reserve_in(round_files: dict[str, Path]) -> None:
    before = json.loads(round_files["round"].read_text())
    placed = {a["candidate"]: a["opening"] for a in before["assignments"]}
    assert placed == {"c1": "v1", "c3": "v2"}
    assert _reoptimise(round_files, {"dropouts": ["c1"]}) == 0
    out = json.loads((round_files["round"].parent / "new.json").read_text())
    assert {a["candidate"]: a["opening"] for a in out["assignments"]} == {"c2": "v1", "c3": "v2"}
    reasons = {m["candidate"]: m["reason"] for m in out["moves"]}
    assert reasons == {"c1": "dropped_out", "c2": "newly_placed"}
    assert out["summary"]["kept"] == 1
    assert out["reserves"]["v2"][0]["candidate"] == "c4"
    assert out["manifest"]["based_on"] == before["manifest"]["output_hash"]


def test_new_opening_needs_the_candidates(
    round_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    new = {"id": "v3", "essential_skills": [S("s09")], "capacity": 1}
    changes = {"new_openings": [new], "accepted": [["c4", "v3"]]}
    assert _reoptimise(round_files, changes) == 2
    assert "accepted[0]" in capsys.readouterr().err
    assert not (round_files["round"].parent / "new.json").exists()
    code = _reoptimise(
        round_files,
        changes,
        "--candidates",
        str(round_files["candidates"]),
        "--taxonomy",
        str(round_files["bundle"]),
    )
    assert code == 0
    out = json.loads((round_files["round"].parent / "new.json").read_text())
    assert {"candidate": "c4", "opening": "v3"}.items() <= next(
        a for a in out["assignments"] if a["candidate"] == "c4"
    ).items()
    assert out["manifest"]["capacity"]["v3"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dropouts": ["c99"]}, "dropouts[0]"),
        ({"locks": [["c1", "v9"]]}, "locks[0]"),
        ({"capacity": {"v9": 1}}, "capacity[v9]"),
    ],
)
def test_unknown_ids_exit_2_without_output(
    round_files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, object],
    field: str,
) -> None:
    assert _reoptimise(round_files, changes) == 2
    err = capsys.readouterr().err
    assert f"'{field}'" in err
    assert not (round_files["round"].parent / "new.json").exists()

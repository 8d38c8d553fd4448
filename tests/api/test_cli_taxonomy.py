from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from api.cli import main
from skills_taxonomy.taxonomy import Taxonomy
from tests.skills_taxonomy.esco_fixture import O_WELDER, write_export


def test_info_prints_version_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taxonomy", "info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ESCO v1.1.1")
    assert re.search(r"^  skill +13,896$", out, flags=re.MULTILINE)
    assert re.search(r"^  occupation +3,007$", out, flags=re.MULTILINE)
    assert re.search(r"^labels: +preferred +alternative +hidden +total$", out, flags=re.MULTILINE)
    assert re.search(r"^  fr +17,650 +15,483 +63 +33,196$", out, flags=re.MULTILINE)
    assert "occupation-skill 123,788 (64,891 essential, 58,897 optional)" in out
    assert "occupationSkillRelations.csv.gz: 67 rows" in out
    assert "This service uses the ESCO classification of the European Commission" in out


def test_info_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["taxonomy", "info", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["concepts"]["isco_group"] == 619
    assert stats["labels"]["ar"]["preferred"] > 2_900


def test_build_then_info_on_the_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = write_export(tmp_path / "esco")
    out = tmp_path / "out" / "fixture.zip"
    assert main(["taxonomy", "build", "--from", str(export), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "ESCO (unknown version), 3 skill, 3 occupation, 4 isco_group, 2 skill_group" in printed
    assert "dropped 1 rows of fr/occupations_fr.csv.gz" in printed
    assert Taxonomy.load(out).preferred_label(O_WELDER, lang="fr") == "soudeur/soudeuse"

    args = ["taxonomy", "build", "--from", str(export), "--out", str(out)]
    assert main([*args, "--version", "1.1.1", "--lang", "ar"]) == 0
    capsys.readouterr()
    assert main(["taxonomy", "info", "--file", str(out)]) == 0
    info = capsys.readouterr().out
    assert info.startswith("ESCO v1.1.1")
    assert "  ar" in info and "  fr" not in info


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["taxonomy", "build", "--from", "{tmp}/nowhere"], "does not exist"),
        (["taxonomy", "build", "--from", "{tmp}"], "missing required file skills_en.csv"),
        (["taxonomy", "info", "--file", "{tmp}/none.zip"], "none.zip: no such file"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mobility-match taxonomy: error: ")
    assert message in err

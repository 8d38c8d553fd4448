from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from matching.errors import InvalidRecordError
from matching.io import (
    candidate_from_dict,
    opening_from_dict,
    policy_from_dict,
    read_candidates,
    read_openings,
    read_policy,
)
from matching.records import LanguageLevel, SkillClaim, Weights
from tests.matching.factories import S

CANDIDATE = {
    "id": "c1",
    "skills": [S("s01"), {"uri": S("s02"), "level": 0.5}],
    "occupations": [],
    "languages": {"de": "b1", "fr": "C1"},
    "eqf": 5,
    "experience_years": 3,
    "gender": "f",
    "origin": "MA",
    "destinations": ["DE", "BE"],
    "available_from": "2027-03-01",
    "preferences": ["v7", "v2"],
}
OPENING = {
    "id": "v1",
    "kind": "job",
    "employer": "e1",
    "country": "DE",
    "occupation": None,
    "essential_skills": [S("s01")],
    "optional_skills": [S("s03")],
    "min_languages": {"de": "B1"},
    "min_eqf": 4,
    "capacity": 3,
    "start": "2027-04-01",
    "ranking": ["c9", "c1"],
}


def test_candidate_from_the_issue_example() -> None:
    c = candidate_from_dict(CANDIDATE)
    assert c.skills == (SkillClaim(S("s01"), 1.0), SkillClaim(S("s02"), 0.5))
    assert c.languages == (LanguageLevel("de", "B1"), LanguageLevel("fr", "C1"))
    assert c.available_from == dt.date(2027, 3, 1)
    assert c.destinations == ("DE", "BE")
    assert c.experience_years == 3.0


def test_opening_from_the_issue_example() -> None:
    o = opening_from_dict(OPENING)
    assert o.capacity == 3 and o.min_eqf == 4 and o.start == dt.date(2027, 4, 1)
    assert o.min_languages == (LanguageLevel("de", "B1"),)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"languages": {"de": "B7"}}, "languages"),
        ({"languages": {"deu": "B1"}}, "languages"),
        ({"available_from": "2027-13-01"}, "available_from"),
        ({"eqf": 9}, "eqf"),
        ({"experience_years": -1}, "experience_years"),
        ({"skills": [{"uri": S("s01"), "level": 1.5}]}, "skills.level"),
        ({"skills": "not a list"}, "skills"),
        ({"colour": "blue"}, "colour"),
        ({"id": ""}, "id"),
    ],
)
def test_bad_candidate_fields_name_record_and_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        candidate_from_dict({**CANDIDATE, **change}, where="candidate at line 3")
    assert info.value.field == field
    assert info.value.record in ("candidate c1", "candidate at line 3")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": -1}, "capacity"),
        ({"capacity": 1.5}, "capacity"),
        ({"kind": "internship"}, "kind"),
        ({"start": "tomorrow"}, "start"),
        ({"min_languages": {"de": "fluent"}}, "min_languages"),
    ],
)
def test_bad_opening_fields(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        opening_from_dict({**OPENING, **change})
    assert (info.value.record, info.value.field) == ("opening v1", field)


def test_policy_defaults_and_weights() -> None:
    p = policy_from_dict({"locks": [["c1", "v1"]], "weights": {"essential": 0.7}})
    assert p.mode == "optimal" and p.shortlist == 50
    assert p.locks == (("c1", "v1"),)
    assert p.weights == Weights(essential=0.7)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"mode": "random"}, "mode"),
        ({"shortlist": 0}, "shortlist"),
        ({"weights": {"charm": 1.0}}, "weights.charm"),
        ({"weights": {"essential": -1}}, "essential"),
        ({"locks": [["c1"]]}, "locks"),
    ],
)
def test_bad_policy(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        policy_from_dict(raw)
    assert (info.value.record, info.value.field) == ("policy", field)


def _csv_row() -> dict[str, str]:
    return {
        "id": "c1",
        "skills": f"{S('s01')};{S('s02')}|0.5",
        "occupations": "",
        "languages": "de:b1;fr:C1",
        "eqf": "5",
        "experience_years": "3",
        "gender": "f",
        "origin": "MA",
        "destinations": "DE;BE",
        "available_from": "2027-03-01",
        "preferences": "v7;v2",
    }


def test_csv_and_xlsx_read_like_jsonl(tmp_path: Path) -> None:
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(json.dumps(CANDIDATE) + "\n\n", encoding="utf-8")
    frame = pl.DataFrame([_csv_row()])
    frame.write_csv(tmp_path / "c.csv")
    _write_xlsx(tmp_path / "c.xlsx", _csv_row())
    expected = read_candidates(jsonl)
    assert read_candidates(tmp_path / "c.csv") == expected
    assert read_candidates(tmp_path / "c.xlsx") == expected


def _write_xlsx(path: Path, row: dict[str, str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(row))
    sheet.append(list(row.values()))
    book.save(path)


def test_csv_openings(tmp_path: Path) -> None:
    row = {
        "id": "v1",
        "kind": "job",
        "employer": "e1",
        "country": "DE",
        "occupation": "",
        "essential_skills": S("s01"),
        "optional_skills": S("s03"),
        "min_languages": "de:B1",
        "min_eqf": "4",
        "capacity": "3",
        "start": "2027-04-01",
        "ranking": "c9;c1",
    }
    pl.DataFrame([row]).write_csv(tmp_path / "o.csv")
    assert read_openings(tmp_path / "o.csv") == (opening_from_dict(OPENING),)


def test_csv_errors_name_the_row(tmp_path: Path) -> None:
    row = {**_csv_row(), "id": "", "eqf": "x"}
    pl.DataFrame([row]).write_csv(tmp_path / "c.csv")
    with pytest.raises(InvalidRecordError) as info:
        read_candidates(tmp_path / "c.csv")
    assert info.value.record == "candidate at row 2"


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(CANDIDATE) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InvalidRecordError) as info:
        read_candidates(path)
    assert info.value.record == "candidate at line 2"


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidRecordError):
        read_candidates(tmp_path / "c.txt")
    with pytest.raises(InvalidRecordError):
        read_candidates(tmp_path / "missing.jsonl")
    with pytest.raises(InvalidRecordError):
        read_policy(tmp_path / "missing.json")

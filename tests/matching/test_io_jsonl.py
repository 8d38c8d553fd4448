"""JSON Lines reading: the fast paths (orjson, well-formed skills, cached language levels) give
the records and errors of the standard-library, field-by-field checking path."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from matching.errors import InvalidRecordError
from matching.io import candidate_from_dict, read_candidates, read_openings
from matching.records import LanguageLevel, SkillClaim
from tests.matching.factories import S


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_integers_beyond_64_bits_stay_exact(tmp_path: Path) -> None:
    # orjson would read them as floats; the standard library keeps them exact.
    path = _write(tmp_path / "o.jsonl", '{"id": "v1", "capacity": 123456789012345678901234567}')
    assert read_openings(path)[0].capacity == 123456789012345678901234567


def test_integer_beyond_64_bits_is_named_exactly_in_the_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.jsonl", '{"id": "c1", "eqf": 100000000000000000000000}')
    with pytest.raises(InvalidRecordError) as info:
        read_candidates(path)
    assert (info.value.record, info.value.field) == ("candidate c1", "eqf")
    assert "100000000000000000000000" in str(info.value)


def test_nan_is_a_bad_number_not_bad_json(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.jsonl", '{"id": "c1", "experience_years": NaN}')
    with pytest.raises(InvalidRecordError) as info:
        read_candidates(path)
    assert (info.value.record, info.value.field) == ("candidate c1", "experience_years")


def test_escaped_lone_surrogate_is_read_as_before(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.jsonl", '{"id": "c\\ud800"}')
    assert read_candidates(path)[0].id == "c\ud800"


def test_invalid_json_names_the_line_with_the_standard_message(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.jsonl", '{"id": "c1"}', "", '{"id": "c2",}')
    with pytest.raises(InvalidRecordError) as info:
        read_candidates(path)
    assert (info.value.record, info.value.field) == ("candidate at line 3", "(line)")
    try:
        json.loads('{"id": "c2",}')
    except json.JSONDecodeError as exc:
        assert f"invalid JSON: {exc}" in str(info.value)


def test_every_skill_shape_reads_as_the_checking_path_does() -> None:
    raw = {
        "id": "c1",
        "skills": [
            f" {S('s01')} ",
            {"uri": S("s02")},
            {"uri": S("s03"), "level": 1},
            {"uri": f"{S('s04')} ", "level": 0.5},
            {"uri": S("s05"), "level": "0.25"},
        ],
    }
    assert candidate_from_dict(raw).skills == (
        SkillClaim(S("s01"), 1.0),
        SkillClaim(S("s02"), 1.0),
        SkillClaim(S("s03"), 1.0),
        SkillClaim(S("s04"), 0.5),
        SkillClaim(S("s05"), 0.25),
    )


@pytest.mark.parametrize(
    ("skill", "field"),
    [
        ({"uri": S("s01"), "level": True}, "skills.level"),
        ({"uri": S("s01"), "level": 0.0}, "skills.level"),
        ({"uri": S("s01"), "level": float("nan")}, "skills.level"),
        ({"uri": S("s01"), "grade": 0.5}, "skills.grade"),
        ({"uri": 7, "level": 0.5}, "skills"),
        (7, "skills"),
    ],
)
def test_bad_skills_still_name_the_field(skill: object, field: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        candidate_from_dict({"id": "c1", "skills": [{"uri": S("s02"), "level": 0.5}, skill]})
    assert (info.value.record, info.value.field) == ("candidate c1", field)


def test_language_levels_are_checked_every_time() -> None:
    first = candidate_from_dict({"id": "c1", "languages": {"fr": "c1", "de": "B1"}})
    again = candidate_from_dict({"id": "c2", "languages": {"de": "B1"}})
    assert first.languages == (LanguageLevel("de", "B1"), LanguageLevel("fr", "C1"))
    assert again.languages == (LanguageLevel("de", "B1"),)
    for languages, message in [
        ({"de": "B7"}, "bad CEFR level 'B7' for 'de'"),
        ({"de": ["B1"]}, "bad CEFR level ['B1'] for 'de'"),
        ({"DE": "B1"}, "expected an ISO 639-1 code, got 'DE'"),
    ]:
        with pytest.raises(InvalidRecordError, match="languages") as info:
            candidate_from_dict({"id": "c3", "languages": languages})
        assert message in str(info.value)


@pytest.mark.parametrize(
    ("destinations", "message"),
    [(["DE", " "], "holds an empty string"), (["DE", 3], "expected str items, got 3")],
)
def test_bad_string_lists_still_name_the_field(destinations: object, message: str) -> None:
    with pytest.raises(InvalidRecordError) as info:
        candidate_from_dict({"id": "c1", "destinations": destinations})
    assert info.value.field == "destinations" and message in str(info.value)


def test_the_cycle_collector_is_restored_after_reading(tmp_path: Path) -> None:
    good = _write(tmp_path / "c.jsonl", '{"id": "c1"}')
    bad = _write(tmp_path / "bad.jsonl", '{"id": "c1", "eqf": 9}')
    assert gc.isenabled()
    read_candidates(good)
    assert gc.isenabled()
    with pytest.raises(InvalidRecordError):
        read_candidates(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        read_candidates(good)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_leave_the_collector_on() -> None:
    """Two readers whose pauses overlap (A in, B in, A out, B out) must not leave the
    process-wide collector off: the second one in saw it off because of the first."""
    from matching.io import _cycle_collector_paused

    assert gc.isenabled()
    first, second = _cycle_collector_paused(), _cycle_collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second reader is still building records
    second.__exit__(None, None, None)
    assert gc.isenabled()

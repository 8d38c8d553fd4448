from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_taxonomy.eqf import QUALIFICATIONS, EqfLevel, find_qualifications, parse_eqf


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Certificat d'Aptitude Professionnelle", 3),
        ("CAP cuisine", 3),
        ("Diplôme de qualification en électricité", 3),
        ("BEP", 3),
        ("Brevet", 2),
        ("Baccalauréat sciences expérimentales", 4),
        ("Bac", 4),
        ("Bac pro", 4),
        ("Bac+2", 5),
        ("Bac + 3", 6),
        ("Bac+5", 7),
        ("niveau bac", 3),
        ("Technicien en électricité", 4),
        ("Technicien Spécialisé en électromécanique (OFPPT)", 5),
        ("technicien supérieur en informatique", 5),
        ("BTS maintenance industrielle", 5),
        ("DUT génie électrique", 5),
        ("DEUG", 5),
        ("BTP électricité", 4),
        ("Licence", 6),
        ("Licence professionnelle", 6),
        ("Licence appliquée en informatique", 6),
        ("Master", 7),
        ("Mastère professionnel", 7),
        ("Ingénieur d'État en génie civil", 7),
        ("Diplôme d'ingénieur", 7),
        ("Diplôme national d'ingénieur", 7),
        ("Doctorat en chimie", 8),
        ("Doctorat en médecine", 7),
        ("PhD", 8),
        ("high school diploma", 4),
        ("Thanaweya Amma", 4),
        ("vocational certificate", 3),
        ("associate degree", 5),
        ("bachelor of science", 6),
        ("BSc Computer Science", 6),
        ("BA in Economics", 6),
        ("MSc", 7),
        ("MBA", 7),
        ("بكالوريوس تجارة", 6),
        ("ليسانس آداب", 6),
        ("الإجازة في القانون", 6),
        ("ماجستير", 7),
        ("دكتوراه", 8),
        ("دبلوم", 3),
        ("دبلوم صنايع", 3),
        ("الباكالوريا", 4),
        ("تقني متخصص", 5),
    ],
)
def test_levels(text: str, level: int) -> None:
    result = parse_eqf(text)
    assert result is not None
    assert result.level == level
    assert text[result.span[0] : result.span[1]] == result.evidence


def test_highest_level_of_a_line_wins() -> None:
    result = parse_eqf("Bac, DUT génie électrique, Licence pro")
    assert result is not None
    assert (result.level, result.qualification) == (6, "Licence")
    assert [q.level for q in find_qualifications("Bac, DUT génie électrique, Licence pro")] == [
        4,
        5,
        6,
    ]


def test_bac_plus_is_not_read_as_bac() -> None:
    assert [q.level for q in find_qualifications("Bac+2 (BTS)")] == [5, 5]


def test_longest_name_wins_over_its_parts() -> None:
    found = find_qualifications("Brevet de Technicien Supérieur")
    assert [(q.level, q.evidence) for q in found] == [(5, "Brevet de Technicien Supérieur")]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "soudeur",
        "permis de conduire",
        "Licence C",
        "driving licence",
        "MS Office",
        "Scrum master",
    ],
)
def test_unknown_is_none(text: str) -> None:
    assert parse_eqf(text) is None


def test_result_is_a_frozen_record() -> None:
    result = parse_eqf("BTS")
    assert isinstance(result, EqfLevel)
    with pytest.raises(AttributeError):
        result.level = 8  # type: ignore[misc]


def test_table_is_well_formed() -> None:
    for name, pattern, level, confidence, basis, case_sensitive in QUALIFICATIONS:
        assert name and basis
        assert 1 <= level <= 8
        assert 0.0 < confidence <= 1.0
        assert isinstance(case_sensitive, bool)
        re.compile(pattern)


@pytest.mark.parametrize("func", [parse_eqf, find_qualifications])
def test_non_str_input_raises_type_error(func: object) -> None:
    with pytest.raises(TypeError, match="expects text as str, got bytes"):
        func(b"BTS")  # type: ignore[operator]


@given(st.text(max_size=60))
def test_any_text_gives_a_valid_level_or_none(text: str) -> None:
    result = parse_eqf(text)
    if result is not None:
        assert 1 <= result.level <= 8
        assert text[result.span[0] : result.span[1]] == result.evidence
        assert result.level == max(q.level for q in find_qualifications(text))


@given(
    st.lists(st.sampled_from(["CAP", "Bac", "BTS", "Licence", "Master", "Doctorat"]), min_size=1)
)
def test_order_of_a_path_does_not_change_the_level(names: list[str]) -> None:
    forward = parse_eqf(", ".join(names))
    backward = parse_eqf(", ".join(reversed(names)))
    assert forward is not None and backward is not None
    assert forward.level == backward.level

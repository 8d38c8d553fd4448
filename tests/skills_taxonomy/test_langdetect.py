from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_taxonomy.errors import TaxonomyError
from skills_taxonomy.langdetect import (
    DEFAULT_CANDIDATES,
    UnsupportedLanguageError,
    detect_language,
    detect_languages,
    language_scores,
)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("soudeur", "fr"),
        ("aide-soignante", "fr"),
        ("Technicien spécialisé en électromécanique", "fr"),
        ("BTS maintenance industrielle", "fr"),
        ("chauffeur poids lourd", "fr"),
        ("welder", "en"),
        ("warehouse worker", "en"),
        ("nurse", "en"),
        ("Schweißer", "de"),
        ("Krankenpfleger", "de"),
        ("Fachinformatiker", "de"),
        ("electricista", "es"),
        ("enfermera", "es"),
        ("camarero", "es"),
        ("saldatore", "it"),
        ("muratore", "it"),
        ("لحام", "ar"),
        ("تقني متخصص في الكهرباء", "ar"),
    ],
)
def test_short_texts(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "2024", "12/05 - 33", "+++", "ПРИВЕТ"])
def test_no_evidence_is_none(text: str) -> None:
    assert detect_language(text) is None
    assert language_scores(text) == {}
    assert detect_languages(text) == ()


def test_arabic_dominates_a_latin_acronym() -> None:
    assert detect_language("لحام TIG") == "ar"


def test_arabic_not_a_candidate_gives_none() -> None:
    assert detect_language("لحام", candidates=("en", "fr")) is None


def test_candidates_restrict_the_answer() -> None:
    assert detect_language("soudeur", candidates=("en", "de")) in {"en", "de"}


def test_mixed_line_by_segment() -> None:
    assert detect_languages("Soudeur TIG / welder, لحام") == ("fr", "en", "ar")


def test_mixed_line_script_change_without_punctuation() -> None:
    assert detect_languages("soudeur لحام") == ("fr", "ar")


def test_lone_acronym_segment_is_skipped() -> None:
    assert detect_languages("welder / TIG") == ("en",)


def test_scores_are_a_distribution() -> None:
    scores = language_scores("Schweißer und Elektriker")
    assert set(scores) == {"en", "fr", "de", "es", "it"}
    assert sum(scores.values()) == pytest.approx(1.0)
    assert max(scores, key=scores.__getitem__) == "de"


def test_unsupported_candidate_raises() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        detect_language("soudeur", candidates=("en", "xx"))
    assert isinstance(info.value, TaxonomyError)
    assert "xx" in str(info.value)


def test_candidates_as_plain_str_is_rejected() -> None:
    with pytest.raises(TypeError, match="sequence"):
        detect_language("soudeur", candidates="fr")


@pytest.mark.parametrize("func", [detect_language, detect_languages, language_scores])
def test_non_str_input_raises_type_error(func: object) -> None:
    with pytest.raises(TypeError, match="expects text as str, got int"):
        func(42)  # type: ignore[operator]


@given(st.text(max_size=40))
def test_any_text_gives_a_candidate_or_none(text: str) -> None:
    lang = detect_language(text)
    assert lang is None or lang in DEFAULT_CANDIDATES
    assert set(detect_languages(text)) <= set(DEFAULT_CANDIDATES)


@given(st.text(alphabet="0123456789 .,-/+()", max_size=30))
def test_digits_and_punctuation_are_no_evidence(text: str) -> None:
    assert detect_language(text) is None


@given(st.sampled_from(["soudeur", "welder", "Schweißer", "electricista", "saldatore"]))
def test_case_does_not_change_the_answer(word: str) -> None:
    assert detect_language(word.upper()) == detect_language(word.lower())


@pytest.mark.parametrize("text", ["TIG", "BTS", "SQL / CAD"])
def test_acronyms_alone_are_no_evidence(text: str) -> None:
    assert detect_language(text) is None


def test_confident_on_clear_text_unsure_on_a_loanword() -> None:
    assert max(language_scores("infirmière diplômée d'État").values()) > 0.99
    assert max(language_scores("manager").values()) < 0.99


@pytest.mark.parametrize(
    ("text", "lang", "ruled_out"),
    [
        # The character model alone answered German for these: "bûch" looks like "Buch".
        ("Bûcheron", "fr", {"de", "es", "it"}),
        ("Bûcheronne", "fr", {"de", "es", "it"}),
        ("niño", "es", {"fr", "de", "it"}),
        ("Straßenbauer", "de", {"fr", "es", "it"}),
    ],
)
def test_a_letter_a_language_never_writes_rules_it_out(
    text: str, lang: str, ruled_out: set[str]
) -> None:
    scores = language_scores(text)
    assert detect_language(text) == lang
    assert {lg for lg, p in scores.items() if p == 0.0} == ruled_out
    assert sum(scores.values()) == pytest.approx(1.0)


def test_loanword_accents_and_english_are_not_ruled_out() -> None:
    # German writes "Café"; English borrows every accent.
    assert language_scores("Café Mitarbeiter")["de"] > 0.5
    assert detect_language("Façade engineer") == "en"


def test_letters_no_single_language_writes_exclude_nothing() -> None:
    # "ñ" (Spanish only) and "ß" (German only) together: no candidate would remain, so none
    # is excluded and the model decides among all of them.
    scores = language_scores("niño Straße")
    assert all(p > 0.0 for p in scores.values())

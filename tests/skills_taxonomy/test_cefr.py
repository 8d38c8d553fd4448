from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_taxonomy.cefr import (
    CEFR_LEVELS,
    InvalidLevelError,
    LanguageLevel,
    cefr_rank,
    parse_cefr_code,
    parse_language_level,
    parse_language_levels,
)
from skills_taxonomy.errors import TaxonomyError
from skills_taxonomy.language_names import find_language_mentions, language_codes


def pairs(text: str) -> list[tuple[str | None, str | None]]:
    return [(r.language, r.level) for r in parse_language_levels(text)]


@pytest.mark.parametrize(
    ("text", "language", "level"),
    [
        ("Allemand B1 (Goethe)", "de", "B1"),
        ("Goethe-Zertifikat B1", "de", "B1"),
        ("anglais courant", "en", "C1"),
        ("DELF B2", "fr", "B2"),
        ("DALF C1", "fr", "C1"),
        ("TCF B2", "fr", "B2"),
        ("TCF 450", "fr", "B2"),
        ("IELTS 6.5", "en", "B2"),
        ("IELTS 7,5", "en", "C1"),
        ("IELTS 8.5", "en", "C2"),
        ("TOEFL iBT 95", "en", "C1"),
        ("TOEFL 550", "en", "B2"),
        ("TOEIC 850", "en", "B2"),
        ("telc Deutsch B1", "de", "B1"),
        ("ÖSD B2", "de", "B2"),
        ("TestDaF TDN 5", "de", "C1"),
        ("DSH-2", "de", "C1"),
        ("DELE B2", "es", "B2"),
        ("CILS DUE", "it", "B2"),
        ("CELI 3", "it", "B2"),
        ("PLIDA B1", "it", "B1"),
        ("Cambridge FCE", "en", "B2"),
        ("C1 Advanced", "en", "C1"),
        ("français langue maternelle", "fr", "native"),
        ("native English", "en", "native"),
        ("العربية: اللغة الأم", "ar", "native"),
        ("الإنجليزية: متوسط", "en", "B1"),
        ("الفرنسية بطلاقة", "fr", "C1"),
        ("anglais: notions", "en", "A1"),
        ("anglais débutant", "en", "A1"),
        ("bilingue arabe", "ar", "C2"),
        ("Anglais : lu, écrit, parlé", "en", "B2"),
        ("Deutsch: Grundkenntnisse", "de", "A2"),
        ("Englisch fließend", "en", "C1"),
        ("Arabisch Muttersprache", "ar", "native"),
        ("inglés nativo", "en", "native"),
        ("francés básico", "fr", "A2"),
        ("alemán avanzado", "de", "C1"),
        ("italiano madrelingua", "it", "native"),
        ("néerlandais A2", "nl", "A2"),
        ("portugais B1", "pt", "B1"),
        ("turc débutant", "tr", "A1"),
        ("Tamazight langue maternelle", "zgh", "native"),
        ("EN: B2", "en", "B2"),
        ("Français B1+", "fr", "B1"),
        ("Anglais B1-B2", "en", "B1"),
        ("anglaise courante", "en", "C1"),
    ],
)
def test_one_language_level(text: str, language: str, level: str) -> None:
    result = parse_language_level(text)
    assert result is not None
    assert (result.language, result.level) == (language, level)
    assert result.resolved
    assert 0.0 < result.confidence <= 1.0


def test_profile_line_with_several_languages() -> None:
    line = "Allemand B1 (Goethe), anglais courant, arabe langue maternelle"
    results = parse_language_levels(line)
    assert [(r.language, r.level) for r in results] == [
        ("de", "B1"),
        ("en", "C1"),
        ("ar", "native"),
    ]
    for r in results:
        assert line[r.span[0] : r.span[1]] == r.evidence


def test_two_languages_two_levels_in_one_clause() -> None:
    assert pairs("Anglais B2 / Allemand A2") == [("en", "B2"), ("de", "A2")]


def test_shared_level_for_languages_listed_together() -> None:
    assert pairs("anglais et français courants") == [("en", "C1"), ("fr", "C1")]


def test_level_without_language_says_so() -> None:
    result = parse_language_level("niveau intermédiaire")
    assert result is not None
    assert (result.language, result.level) == (None, "B1")
    assert not result.resolved


def test_language_without_level_says_so() -> None:
    result = parse_language_level("anglais")
    assert result == LanguageLevel(
        language="en",
        level=None,
        span=(0, 7),
        evidence="anglais",
        source="language name only",
        confidence=0.0,
    )


@pytest.mark.parametrize(("text", "language"), [("TEF", "fr"), ("TOEFL", "en"), ("ÖSD", "de")])
def test_certificate_without_level_gives_language_only(text: str, language: str) -> None:
    result = parse_language_level(text)
    assert result is not None
    assert (result.language, result.level) == (language, None)
    assert "no level stated" in result.source


@pytest.mark.parametrize("text", ["", "bla bla", "soudeur TIG", "courant fort", "Permis B, C1"])
def test_unknown_input_gives_nothing(text: str) -> None:
    assert parse_language_level(text) is None
    assert parse_language_levels(text) == ()


def test_explicit_code_beats_descriptor() -> None:
    assert pairs("anglais courant (C1)") == [("en", "C1")]
    assert pairs("anglais B2 courant") == [("en", "B2")]


def test_bare_level_completes_the_language_before_it() -> None:
    assert pairs("Anglais, niveau B2") == [("en", "B2")]
    assert pairs("Anglais, courant") == [("en", "C1")]
    assert pairs("Anglais B1, niveau C1") == [("en", "B1"), (None, "C1")]


def test_score_out_of_range_is_not_a_level() -> None:
    result = parse_language_level("IELTS 75")
    assert result is not None
    assert (result.language, result.level) == ("en", None)


def test_arabic_line_with_several() -> None:
    line = "العربية: اللغة الأم، الفرنسية: جيد، الإنجليزية: متوسط"
    assert pairs(line) == [("ar", "native"), ("fr", "B2"), ("en", "B1")]


@pytest.mark.parametrize(("raw", "code"), [("b1", "B1"), (" C2 ", "C2"), ("Native", "native")])
def test_parse_cefr_code(raw: str, code: str) -> None:
    assert parse_cefr_code(raw) == code


@pytest.mark.parametrize("raw", ["B3", "", "B1+", "D1", "native speaker", "A 1"])
def test_parse_cefr_code_rejects_malformed(raw: str) -> None:
    with pytest.raises(InvalidLevelError) as info:
        parse_cefr_code(raw)
    assert isinstance(info.value, TaxonomyError)
    assert isinstance(info.value, ValueError)


def test_rank_orders_levels() -> None:
    assert cefr_rank("B1") < cefr_rank("C1") < cefr_rank("native")
    assert [cefr_rank(level) for level in CEFR_LEVELS] == list(range(1, 8))


@pytest.mark.parametrize(
    "func", [parse_language_level, parse_language_levels, parse_cefr_code, cefr_rank]
)
def test_non_str_input_raises_type_error(func: object) -> None:
    with pytest.raises(TypeError, match="expects text as str, got NoneType"):
        func(None)  # type: ignore[operator]


def test_language_names_cover_the_required_languages() -> None:
    assert set(language_codes()) >= {"ar", "fr", "en", "de", "es", "it", "nl", "pt", "tr", "zgh"}
    names = {
        "ar": ["arabe", "Arabic", "العربية", "Arabisch", "árabe", "arabo"],
        "fr": ["français", "French", "الفرنسية", "Französisch", "francés", "francese"],
        "en": ["anglais", "English", "الإنجليزية", "Englisch", "inglés", "inglese"],
        "de": ["allemand", "German", "الألمانية", "Deutsch", "alemán", "tedesco"],
        "es": ["espagnol", "Spanish", "الإسبانية", "Spanisch", "español", "spagnolo"],
        "it": ["italien", "Italian", "الإيطالية", "Italienisch", "italiano"],
        "nl": ["néerlandais", "Dutch", "الهولندية", "Niederländisch", "neerlandés", "olandese"],
        "pt": ["portugais", "Portuguese", "البرتغالية", "Portugiesisch", "portugués"],
        "tr": ["turc", "Turkish", "التركية", "Türkisch", "turco"],
        "zgh": ["amazigh", "tamazight", "berbère", "Berber", "الأمازيغية", "Berberisch"],
    }
    for code, spellings in names.items():
        for name in spellings:
            assert [m.code for m in find_language_mentions(name)] == [code], name


def test_lower_case_iso_words_are_not_languages() -> None:
    assert find_language_mentions("formation en alternance de soudeur") == ()
    assert find_language_mentions("FORMATION EN ALTERNANCE") == ()


@given(st.text(max_size=60))
def test_any_text_parses_to_well_formed_results(text: str) -> None:
    for r in parse_language_levels(text):
        assert r.language is not None or r.level is not None
        assert r.level is None or r.level in CEFR_LEVELS
        assert 0 <= r.span[0] < r.span[1] <= len(text)
        assert text[r.span[0] : r.span[1]] == r.evidence
        assert (r.confidence == 0.0) == (r.level is None)


@given(st.sampled_from(CEFR_LEVELS[:6]), st.sampled_from(["anglais", "Deutsch", "العربية"]))
def test_language_then_code_is_read_exactly(level: str, name: str) -> None:
    result = parse_language_level(f"{name} {level}")
    assert result is not None
    assert result.level == level
    assert result.language is not None


@given(st.sampled_from(CEFR_LEVELS), st.sampled_from(CEFR_LEVELS))
def test_rank_is_consistent_with_order(a: str, b: str) -> None:
    assert (cefr_rank(a) < cefr_rank(b)) == (CEFR_LEVELS.index(a) < CEFR_LEVELS.index(b))


def test_list_closed_by_language_colon_level_shares_the_level() -> None:
    assert pairs("Kabyle, arabe, français : parlés couramment") == [
        ("zgh", "C1"),
        ("ar", "C1"),
        ("fr", "C1"),
    ]
    # Without the colon the reading is "English (level unknown), German B1".
    assert pairs("Anglais, Allemand B1") == [("en", None), ("de", "B1")]


def test_ielts_test_variant_between_name_and_band() -> None:
    assert pairs("IELTS General Training band 5.5") == [("en", "B2")]


def test_tres_bien_is_very_good() -> None:
    assert pairs("Langue française : très bien") == [("fr", "C1")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Deutschkenntnisse B1", [("de", "B1")]),
        ("Englisch in Wort und Schrift", [("en", "B2")]),
        ("Englisch fließend in Wort und Schrift", [("en", "C1")]),
        ("Languages: Arabic - Native, French - Fluent, English - Basic",
         [("ar", "native"), ("fr", "C1"), ("en", "A2")]),
        ("Langues parlées : Arabe, Français, Anglais", [("ar", None), ("fr", None), ("en", None)]),
        ("Anglais: 4/5", [("en", None)]),
    ],
)  # fmt: skip
def test_more_profile_styles(text: str, expected: list[tuple[str | None, str | None]]) -> None:
    assert pairs(text) == expected


def test_one_result_per_language_with_its_highest_level() -> None:
    assert pairs("Français : DELF B2, DALF C1") == [("fr", "C1")]
    assert pairs("anglais, anglais B1") == [("en", "B1")]

"""Folding and cleaning of agency text (skills_taxonomy.text)."""

from __future__ import annotations

import itertools
import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skills_taxonomy._text import fold
from skills_taxonomy.taxonomy import Taxonomy
from skills_taxonomy.text import (
    ABBREVIATIONS,
    ARABIC_EVERYDAY_WORDS,
    ARABIC_SKILL_WORDS,
    BARE_TITLES,
    FRENCH_OCCUPATION_WORDS,
    FRENCH_SKILL_WORDS,
    fold_word,
    label_terms,
    one_gender,
    query_terms,
    semantic_text,
    split_gendered_label,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Accrocheur / Accrocheuse", ("accrocheur",)),
        ("infirmier(ère)", ("infirmier",)),
        ("Infirmière", ("infirmier",)),
        ("aide-soignant(e)", ("aide", "soignant")),
        ("Aide-soignante", ("aide", "soignant")),
        ("serveur/euse", ("serveur",)),
        ("Serveuse", ("serveur",)),
        ("directrice des ventes", ("directeur", "vente")),
        ("technicienne", ("technicien",)),
        ("ÉLECTRICIEN", ("electricien",)),
    ],
)
def test_french_gendered_forms_share_the_masculine_key(
    text: str, expected: tuple[str, ...]
) -> None:
    assert label_terms(text) == expected


def test_plurals_and_case_fold_to_one_key() -> None:
    assert label_terms("WELDERS") == label_terms("welder")
    assert label_terms("soudeurs") == label_terms("Soudeur")


@pytest.mark.parametrize(
    "text",
    [
        "Soudeur TIG H/F",
        "Soudeur TIG (h/f/x)",
        "soudeur TIG F/H - URGENT",
        "Soudeur TIG m/w/d CDI",
        "Recherche soudeur TIG",
        "Offre d'emploi : soudeur TIG",
        "Soudeur TIG en CDI à Casablanca",
    ],
)
def test_advert_noise_is_dropped_from_queries(text: str) -> None:
    assert query_terms(text, lang="fr") == ("soudeur", "tig")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Directeur / Directrice de recherche", "directeur de recherche"),
        ("Conseiller / Conseillère à l'emploi", "conseiller emploi"),
        ("Chargé de mission", "chargé mission"),
        ("Consultant en recrutement", "consultant recrutement"),
    ],
)
def test_a_noise_word_that_names_the_field_of_a_title_stays(text: str, expected: str) -> None:
    """The words "recherche", "emploi", "mission" are advert noise ("Recherche soudeur"), but
    the field of work after a preposition in a title (ESCO: "directeur de recherche/directrice
    de recherche")."""
    assert query_terms(text, lang="fr") == label_terms(expected)


def test_noise_is_kept_when_nothing_else_is_left() -> None:
    assert query_terms("Senior", lang="en") == ("senior",)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Tech. sup. en maintenance", "fr", "technicien supérieur en maintenance"),
        ("dév. web", "fr", "développeur web"),
        ("Resp. logistique", "fr", "responsable logistique"),
        ("Sr Software Eng", "en", "software engineer"),
        ("ASST ADMIN MGR", "en", "assistant administrator manager"),
        ("tech. maintenance", None, "technician maintenance"),
        ("AC technician", "en", "air conditioning technician"),
        ("A/C Technician", "en", "air conditioning technician"),
    ],
)
def test_abbreviations_expand_per_language(text: str, lang: str | None, expected: str) -> None:
    assert query_terms(text, lang=lang) == label_terms(expected)


def test_abbreviation_table_is_folded_data() -> None:
    for table in ABBREVIATIONS.values():
        for key, value in table.items():
            assert key == key.lower() and "." not in key
            assert value == value.lower()


def test_arabic_diacritics_tatweel_variants_and_article_are_folded() -> None:
    plain = label_terms("لحام")
    assert label_terms("اللحّام") == plain
    assert label_terms("لـحـام") == plain
    assert label_terms("مُساعِدة") == label_terms("مساعد")
    assert label_terms("أمين") == label_terms("امين")


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("طباخ", "ar", "طاهي"),
        ("الطباخة", "ar", "طاهي"),
        ("طباخين", None, "طاهي"),
        ("مساعد طباخ", "ar", "مساعد مطبخ"),  # the pair wins over its single word
        ("سائق رافعة شوكية", "ar", "سائق مشغل شاحنة رافعة"),
        ("cuisinier طباخ", "fr", "cuisinier طاهي"),  # Arabic words of a French line too
        ("لحام", "ar", "لحام"),  # ESCO's own words are left alone
    ],
)
def test_everyday_arabic_words_take_escos_wording(
    text: str, lang: str | None, expected: str
) -> None:
    assert query_terms(text, lang=lang) == label_terms(expected)


def test_everyday_arabic_words_only_add_vocabulary_to_escos_arabic_labels() -> None:
    """No key is a word, or a pair of words, of an ESCO Arabic label (it would change what
    that label's own wording finds), and every word of a value is one (else it finds
    nothing)."""
    labels = Taxonomy.load_bundled().labels.filter(pl.col("lang") == "ar")["text"]
    words: set[str] = set()
    pairs: set[str] = set()
    for label in labels:
        terms = [fold_word(w) for w in re.findall(r"\w+", fold(label))]
        words.update(terms)
        pairs.update(f"{a} {b}" for a, b in itertools.pairwise(terms))
    for key, value in ARABIC_EVERYDAY_WORDS.items():
        key_terms = " ".join(fold_word(w) for w in re.findall(r"\w+", fold(key)))
        assert key_terms not in words and key_terms not in pairs, key
        assert all(fold_word(w) in words for w in re.findall(r"\w+", fold(value))), value


def test_arabic_skill_words_point_at_escos_english_skill_wording() -> None:
    """Every word of a value is a word of an ESCO English skill label (else it finds
    nothing)."""
    taxonomy = Taxonomy.load_bundled()
    skills = taxonomy.concepts.filter(pl.col("kind") == "skill").select("uri")
    labels = taxonomy.labels.join(skills, on="uri").filter(pl.col("lang") == "en")["text"]
    words = {term for label in labels for term in label_terms(label)}
    for key, value in ARABIC_SKILL_WORDS.items():
        assert set(label_terms(value)) <= words, (key, set(label_terms(value)) - words)


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("لحام", "skill", ("welding",)),
        ("قيادة الرافعة الشوكية", "skill", ("driv", "operat", "forklift")),
        ("الإسعافات الأولية", "skill", ("first", "aid")),
        # skill texts only: an Arabic job title keeps its Arabic words
        ("لحام", "occupation", ("لحام",)),
    ],
)
def test_arabic_skill_words_take_escos_english_wording_in_skill_texts_only(
    text: str, kind: str, expected: tuple[str, ...]
) -> None:
    assert query_terms(text, kind=kind) == expected  # type: ignore[arg-type]


def test_a_one_letter_prefix_is_a_word_of_the_label() -> None:
    """The label "e-learning" is not "learning": the "e" of "e-" stays a term, so the bare word
    is no exact name of the e- concept."""
    assert label_terms("e-learning") == ("e", "learning")
    assert label_terms("e-learning") != query_terms("learning")


def test_french_cv_words_point_at_escos_french_skill_wording() -> None:
    """Every word a value adds is a word of an ESCO French skill label (else it finds
    nothing); a value keeps no other word than its key's own."""
    taxonomy = Taxonomy.load_bundled()
    skills = taxonomy.concepts.filter(pl.col("kind") == "skill").select("uri")
    labels = taxonomy.labels.join(skills, on="uri").filter(pl.col("lang") == "fr")["text"]
    words = {term for label in labels for term in label_terms(label)}
    for key, value in FRENCH_SKILL_WORDS.items():
        added = set(label_terms(value)) - set(label_terms(key))
        assert added, key
        assert added <= words, (key, added - words)


@pytest.mark.parametrize(
    ("text", "kind", "lang", "expected"),
    [
        ("CACES 3", "skill", "fr", ("cace", "chariot", "elevateur", "3")),
        ("lecture de plans", "skill", "fr", ("lectur", "lire", "plan")),
        ("Permis B", "skill", "fr", ("permis", "conduir", "vehicule", "b")),
        # French skill texts only: an English skill text or a French job title is untouched.
        ("Permis B", "skill", "en", ("permis", "b")),
        ("Conducteur de chariot CACES", "occupation", "fr", ("conducteur", "chariot", "cace")),
    ],
)
def test_french_cv_words_take_escos_wording_in_french_skill_texts_only(
    text: str, kind: str, lang: str, expected: tuple[str, ...]
) -> None:
    assert query_terms(text, lang=lang, kind=kind) == expected  # type: ignore[arg-type]


def test_everyday_french_job_words_only_add_vocabulary_to_escos_labels() -> None:
    """No key is a run of words of any ESCO occupation label in any language (it would change
    what that label's own wording finds), and every word of a value is a word of an ESCO French
    occupation label (else it finds nothing)."""
    taxonomy = Taxonomy.load_bundled()
    occupations = taxonomy.concepts.filter(pl.col("kind") == "occupation").select("uri")
    labels = taxonomy.labels.join(occupations, on="uri")
    runs: set[str] = set()
    for label in labels["text"]:
        terms = [fold_word(w) for w in re.findall(r"\w+", fold(label))]
        for n in range(1, 5):
            runs.update(" ".join(terms[i : i + n]) for i in range(len(terms) - n + 1))
    french = {
        t for label in labels.filter(pl.col("lang") == "fr")["text"] for t in label_terms(label)
    }
    for key, value in FRENCH_OCCUPATION_WORDS.items():
        assert len(key.split()) <= 4, key
        assert " ".join(fold_word(w) for w in re.findall(r"\w+", fold(key))) not in runs, key
        assert set(label_terms(value)) <= french, value


@pytest.mark.parametrize(
    ("text", "kind", "lang", "expected"),
    [
        ("Bûcheron / Bûcheronne", "occupation", "fr", ("ouvrier", "forestier")),
        ("Bûcheronnes", "occupation", "fr", ("ouvrier", "forestier")),
        ("Conducteur de pelle hydraulique", "occupation", "fr", ("conducteur", "excavateur")),
        # keys of up to four words, stop words included
        ("Employé de libre-service", "occupation", "fr", ("employ", "rayon")),
        ("Agent de quai", "occupation", "fr", ("manutentionnair",)),
        ("Vendangeuse saisonnière", "occupation", "fr", ("cueilleur", "viticol", "saisonnier")),
        # French job titles only: a skill text or a text in another language is untouched.
        ("bûcheron", "skill", "fr", ("bucheron",)),
        ("Bûcheron", "occupation", "en", ("bucheron",)),
    ],
)
def test_everyday_french_job_words_take_escos_wording_in_french_titles_only(
    text: str, kind: str, lang: str, expected: tuple[str, ...]
) -> None:
    assert query_terms(text, lang=lang, kind=kind) == expected  # type: ignore[arg-type]


def test_the_semantic_model_reads_a_french_skill_text_with_escos_wording() -> None:
    assert semantic_text("CACES 3", lang="fr", kind="skill") == "CACES 3 chariot elevateur"
    assert semantic_text("lecture de plans", lang="fr", kind="skill") == "lecture de plans lire"
    # Nothing to add, another language or an occupation: the text itself.
    assert semantic_text("soudure TIG", lang="fr", kind="skill") == "soudure TIG"
    assert semantic_text("CACES 3", lang="en", kind="skill") == "CACES 3"
    assert semantic_text("cariste CACES", lang="fr", kind="occupation") == "cariste CACES"
    # A French job title with an everyday trade word: its ESCO wording, once.
    assert (
        semantic_text("Bûcheron / Bûcheronne", lang="fr", kind="occupation")
        == "Bûcheron ouvrier forestier"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # France's official style, the pair on the first words only
        ("Poseur / Poseuse de parquet", "Poseur de parquet"),
        (
            "Conseiller commercial / Conseillère commerciale en énergie",
            "Conseiller commercial en énergie",
        ),
        ("Aide-soignant / Aide-soignante", "Aide-soignant"),
        # the pair on the last words of the left side only
        ("Artiste plasticien / Plasticienne", "Artiste plasticien"),
        ("Cadre technico-commercial / Technico-commerciale", "Cadre technico-commercial"),
        ("SENIOR STEWARD/STEWARDESS", "SENIOR STEWARD"),
        # a bracketed acronym before the slash is no word of the pair
        (
            "Accompagnant éducatif et social (AES) / Accompagnante éducative et sociale",
            "Accompagnant éducatif et social (AES)",
        ),
        # ESCO's and Germany's style, the whole title twice
        ("conseiller en énergie/conseillère en énergie", "conseiller en énergie"),
        ("Landwirt/Landwirtin", "Landwirt"),
        (
            "Geprüfter Fachagrarwirt/Geprüfte Fachagrarwirtin - Direktvermarktung",
            "Geprüfter Fachagrarwirt - Direktvermarktung",
        ),
        # other slashes stay
        ("Plombier / Chauffagiste", "Plombier / Chauffagiste"),
        ("Sales Executive / Sales Assistant", "Sales Executive / Sales Assistant"),
        ("TCP/IP", "TCP/IP"),
        ("Boucher (h/f/x)", "Boucher (h/f/x)"),
    ],
)
def test_one_gender_keeps_the_first_form_of_a_gendered_pair(text: str, expected: str) -> None:
    assert one_gender(text) == expected


def test_the_semantic_model_reads_one_form_of_a_gendered_title() -> None:
    """The second form only weighs the title's meaning towards its job word ("Poseur /
    Poseuse de parquet" found stair installers; "Poseur de parquet" finds the floor layer)."""
    text = "Poseur / Poseuse de parquet"
    assert semantic_text(text, lang="fr", kind="occupation") == "Poseur de parquet"
    assert query_terms(text, lang="fr") == query_terms("Poseur de parquet", lang="fr")


def test_gendered_esco_labels_split_in_two() -> None:
    assert split_gendered_label("boucher/bouchère") == ("boucher", "bouchère")
    assert split_gendered_label("مساعد مختبر طبي / مساعدة مختبر طبي") == (
        "مساعد مختبر طبي",
        "مساعدة مختبر طبي",
    )
    assert split_gendered_label("TCP/IP") == ("TCP/IP",)
    assert split_gendered_label("welder") == ("welder",)


def test_fold_word_is_idempotent_on_common_keys() -> None:
    for word in ("accrocheuse", "infirmieres", "welders", "vendeuse", "analysis"):
        key = fold_word(word)
        assert fold_word(key) == key or len(fold_word(key)) >= 3


@given(st.text(max_size=60))
def test_terms_never_fail_and_hold_no_stop_word_or_empty_token(text: str) -> None:
    for terms in (label_terms(text), query_terms(text), query_terms(text, lang="fr")):
        assert all(t and " " not in t for t in terms)
        assert len(set(terms)) == len(terms)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("communication skills", "communication"),
        ("Strong knowledge of SQL", "SQL"),
        ("ability to work in teams", "work in teams"),
        ("maîtrise de l'anglais", "anglais"),
        ("connaissances en soudure", "soudure"),
        ("experience with Python", "Python"),
    ],
)
def test_skill_phrase_framing_is_dropped_for_skills_only(text: str, expected: str) -> None:
    assert query_terms(text, kind="skill") == label_terms(expected)
    assert len(query_terms(text)) > len(label_terms(expected))


def test_bare_titles_name_an_esco_label_of_their_language_and_are_none() -> None:
    """Each ``BARE_TITLES`` value is, folded, an ESCO occupation label of its language naming
    one concept first (so the title becomes that concept), and no key is a label (a title ESCO
    names already needs no entry)."""
    taxonomy = Taxonomy.load_bundled()
    occupations = taxonomy.concepts.filter(pl.col("kind") == "occupation").select("uri")
    labels = taxonomy.labels.join(occupations, on="uri")
    everywhere = {" ".join(label_terms(t)) for t in labels["text"]}
    for lang, table in BARE_TITLES.items():
        named: dict[str, set[tuple[str, bool]]] = {}
        for uri, kind, text in (
            labels.filter(pl.col("lang") == lang).select("uri", "label_type", "text").iter_rows()
        ):
            for form in {text, *split_gendered_label(text)}:
                named.setdefault(" ".join(label_terms(form)), set()).add((uri, kind == "preferred"))
        for key, value in table.items():
            holders = named.get(" ".join(label_terms(value)), set())
            # one concept, or one whose preferred label it is (that one ranks first)
            assert len({u for u, _ in holders}) == 1 or sum(p for _, p in holders) == 1, value
            assert " ".join(label_terms(key)) not in everywhere, key
            # and the key, written as a title, reaches it
            assert query_terms(key, lang=lang, kind="occupation") == query_terms(
                value, lang=lang, kind="occupation"
            ), key


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Infirmier / Infirmière", "fr", ("infirmier", "soin", "general")),
        ("Infirmière diplômée d'État H/F", "fr", ("infirmier", "soin", "general")),
        ("IDE", None, ("infirmier", "soin", "general")),
        ("ممرضة", "ar", ("ممرض", "مسوول", "عن", "رعاي", "عام")),
        # a word inside a longer title keeps its own wording
        ("Infirmier anesthésiste", "fr", ("infirmier", "anesthesist")),
        ("Infirmière de bloc opératoire", "fr", ("infirmier", "bloc", "operatoir")),
    ],
)
def test_a_bare_title_takes_the_esco_label_it_is_short_for(
    text: str, lang: str | None, expected: tuple[str, ...]
) -> None:
    assert query_terms(text, lang=lang, kind="occupation") == expected


def test_bare_titles_are_for_occupations_only() -> None:
    # "IDE" is also a development environment
    assert query_terms("IDE", kind="skill") == ("ide",)
    assert query_terms("Infirmier", lang="fr", kind="skill") == ("infirmier",)

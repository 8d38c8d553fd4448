"""The normaliser on realistic agency lines (written from ESCO knowledge, not from dev rows)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest

from skills_taxonomy.errors import TaxonomyError, UnknownConceptError
from skills_taxonomy.memo import BoundedMemo
from skills_taxonomy.normalizer import (
    InvalidNormalizeArgumentError,
    Match,
    NormalizedText,
    Normalizer,
    synonym_key,
)
from tests.skills_taxonomy.normalizer_fixture import preferred_en, shared_normalizer


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return shared_normalizer()


def top_labels(result: NormalizedText, k: int = 5) -> list[str]:
    return [preferred_en(m.uri) for m in result.matches[:k]]


OCCUPATION_CASES: Sequence[tuple[str, str | None, str, int]] = [
    # (agency text, lang given or None, English preferred label expected, within top k)
    ("soudeur TIG H/F", None, "welder", 1),
    ("Soudeuse (h/f/x) - URGENT", "fr", "welder", 1),
    ("لحام", None, "welder", 1),
    ("aide-soignante", None, "nurse assistant", 1),
    ("Aide-soignant(e) CDI", "fr", "nurse assistant", 3),
    ("infirmier(ère)", "fr", "nurse responsible for general care", 10),
    ("Serveur/euse", "fr", "waiter/waitress", 1),
    ("Serveuse", None, "waiter/waitress", 1),
    ("développeur web", None, "web developer", 1),
    ("Développeuse Web junior", "fr", "web developer", 1),
    (
        "Technicien spécialisé en électromécanique",
        "fr",
        "electromechanical engineering technician",
        5,
    ),
    ("boulangère", None, "baker", 1),
    ("Plombier chauffagiste", "fr", "plumber", 5),
    ("maçon", None, "bricklayer", 1),
    ("Comptable (h/f)", "fr", "accountant", 1),
    ("chauffeur poids lourd", "fr", "cargo vehicle driver", 3),
    ("Software Eng.", "en", "software developer", 3),
    ("senior software engineer (m/w/d)", None, "software developer", 3),
    ("welder", "en", "welder", 1),
    ("Weldr", "en", "welder", 3),
    ("manager sales", "en", "sales manager", 1),
    ("sales manager - Casablanca", None, "sales manager", 1),
    ("Electrcian", "en", "electrician", 5),
    ("كهربائي", None, "electrician", 1),
    # everyday Arabic words that ESCO's formal Arabic labels do not use
    ("طباخة", None, "cook", 1),
    ("مساعد طباخ", None, "kitchen assistant", 1),
    ("عامل فلاحي", None, "crop production worker", 1),
    ("سائق كلارك", "ar", "forklift operator", 1),
    ("ميكانيكي سيارات", None, "vehicle technician", 1),
    ("ميكانيكي شاحنات", None, "vehicle technician", 1),
    ("عامل تعبئة", None, "hand packer", 1),
    ("جباص", None, "plasterer", 1),
    # everyday French trade words that no ESCO label uses (typo correction made "coffreur" a
    # hairdresser and "vendangeuse" a saleswoman)
    ("Bûcheron / Bûcheronne", None, "forest worker", 1),
    ("Conducteur de pelle hydraulique", "fr", "excavator operator", 1),
    ("Coffreur bancheur", None, "concrete finisher", 1),
    ("Vendangeuse", "fr", "vineyard worker", 3),
    ("Maraîcher", None, "horticulture worker", 1),
    ("Femme de ménage", "fr", "domestic cleaner", 3),
    ("Mécanicien poids lourds", None, "vehicle technician", 1),
    ("Agent de quai", "fr", "materials handler", 1),
    ("Commis de salle", "fr", "waiter/waitress", 1),
    ("Employé de libre-service", None, "shelf filler", 1),
    ("Ouvrier / Ouvrière de la vigne", None, "vineyard worker", 1),
    # session 21's words, from France's official job titles (ROME); "Bûcheron" alone was read as
    # German ("bûch" ~ "Buch") until a letter German never writes ruled German out
    ("Bûcheron", None, "forest worker", 1),
    ("Crêpier / Crêpière", None, "cook", 1),
    ("Débosseleur", None, "coachbuilder", 1),
    ("Technicien cuisiniste", None, "kitchen unit installer", 1),
    ("Poseur de cloisons", "fr", "plasterer", 1),
    ("Agent de déchetterie", "fr", "sorter labourer", 3),
    ("Recruteur / Recruteuse", None, "recruitment consultant", 1),
    ("Technicien datacenter", "fr", "data centre operator", 1),
    # bare titles that ESCO names only in a longer form (BARE_TITLES)
    ("Infirmier / Infirmière", None, "nurse responsible for general care", 1),
    ("Infirmière diplômée d'État", None, "nurse responsible for general care", 1),
    ("ممرضة", None, "nurse responsible for general care", 1),
    ("Kinésithérapeute", None, "physiotherapist", 1),
    ("Médecin", "fr", "general practitioner", 1),
    ("Agent de propreté H/F", None, "building cleaner", 1),
    ("Ouvrier saisonnier", "fr", "crop production worker", 1),
    (
        "Technicien spécialisé en électromécanique",
        None,
        "electromechanical engineering technician",
        1,
    ),
    ("عاملة نظافة", None, "building cleaner", 1),
    ("معالج فيزيائي", None, "physiotherapist", 1),
    ("Pflegefachkraft (m/w/d)", None, "nurse responsible for general care", 1),
    ("Registered Nurse", "en", "nurse responsible for general care", 1),
    ("Senior Carer", "en", "social care worker", 1),
    ("Elektriker", "de", "electrician", 1),
    ("camarero", "es", "waiter/waitress", 1),
]


@pytest.mark.parametrize(("text", "lang", "expected", "k"), OCCUPATION_CASES)
def test_agency_occupation_lines_find_the_concept(
    norm: Normalizer, text: str, lang: str | None, expected: str, k: int
) -> None:
    [result] = norm.normalize([text], kind="occupation", lang=lang, top_k=10)
    assert expected in top_labels(result, k), (text, top_labels(result, 10))


SKILL_CASES: Sequence[tuple[str, str | None, str, int]] = [
    ("Python", None, "Python (computer programming)", 1),
    ("gestion de projet", "fr", "project management", 1),
    ("project management", "en", "project management", 1),
    ("customer service", "en", "customer service", 1),
    ("conduite de chariot élévateur", "fr", "operate forklift", 1),
    ("anglais", "fr", "English", 1),
    ("SQL", None, "SQL", 1),
    ("JavaScript", None, "JavaScript", 1),
    ("communication", "en", "communication", 1),
    ("Microsoft Excel", "en", "use spreadsheets software", 3),
    ("teamwork", "en", "teamwork principles", 5),
    ("strong communication skills", "en", "communication", 3),
    ("Connaissances en soudure", "fr", "welding techniques", 10),
    # what French CVs write: certificates, shorthand, nouns for ESCO's verbs
    ("CACES 3", "fr", "operate forklift", 1),
    ("Maîtrise du pack Office", "fr", "use microsoft office", 1),
    ("Sauveteur secouriste du travail", "fr", "provide first aid", 3),
    ("port des EPI", "fr", "use personal protection equipment", 3),
    ("Habilitation électrique B1V", "fr", "electrical safety regulations", 1),
    ("gestion de stock", "fr", "manage inventory", 1),
    ("Permis B", "fr", "drive vehicles", 3),
    # Arabic CV lines (ESCO has no Arabic skill labels)
    ("قيادة الرافعة الشوكية", None, "operate forklift", 1),
    ("الإسعافات الأولية", None, "provide first aid", 3),
    ("رعاية المسنين", None, "tend to elderly people", 1),
]


@pytest.mark.parametrize(("text", "lang", "expected", "k"), SKILL_CASES)
def test_skill_phrases_find_the_concept(
    norm: Normalizer, text: str, lang: str | None, expected: str, k: int
) -> None:
    [result] = norm.normalize([text], kind="skill", lang=lang, top_k=10)
    assert expected in top_labels(result, k), (text, top_labels(result, 10))


def test_word_order_and_case_do_not_change_the_best_concept(norm: Normalizer) -> None:
    a, b, c = norm.normalize(
        ["sales manager", "MANAGER SALES", "Manager, Sales"], kind="occupation", lang="en"
    )
    assert a.matches[0].uri == b.matches[0].uri == c.matches[0].uri


def test_a_profile_mixing_languages_is_normalised_line_by_line(norm: Normalizer) -> None:
    results = norm.normalize(["soudeur", "welder", "لحام"], kind="occupation")
    assert {top_labels(r, 1)[0] for r in results} == {"welder"}
    assert [r.lang for r in results][2] == "ar"


def test_results_keep_input_order_and_length(norm: Normalizer) -> None:
    texts = ["maçon", "", "welder", "   ", "plombier"] * 3
    results = norm.normalize(texts, kind="occupation")
    assert [r.text for r in results] == texts
    assert all(r.matches == () and not r.resolved for r in results if not r.text.strip())


def test_matches_are_typed_ranked_and_scored_in_unit_interval(norm: Normalizer) -> None:
    [result] = norm.normalize(["soudeur TIG"], kind="occupation", top_k=7)
    assert isinstance(result, NormalizedText)
    assert 1 <= len(result.matches) <= 7
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    for m in result.matches:
        assert isinstance(m, Match)
        assert 0.0 <= m.score <= 1.0
        assert m.method in ("synonym", "exact", "lexical", "fuzzy", "related")
        assert m.uri in norm.taxonomy


def test_exact_label_is_method_exact_with_full_score(norm: Normalizer) -> None:
    [result] = norm.normalize(["Plumber"], kind="occupation", lang="en")
    assert result.resolved
    assert result.matches[0].method == "exact"
    assert result.matches[0].score == 1.0
    assert preferred_en(result.matches[0].uri) == "plumber"


def test_a_bare_word_is_not_the_exact_name_of_its_e_concept(norm: Normalizer) -> None:
    """The words "learning" and "procurement" were "e-learning" and "e-procurement", exact, 1.0:
    the "e" of "e-" was dropped as a stop word. Now no label is their exact name."""
    for text in ("learning", "procurement", "selling"):
        [result] = norm.normalize([text], kind="skill", lang="en")
        assert all(m.method != "exact" and m.score < 1.0 for m in result.matches), text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Head Chef", "head chef"),
        ("Chief Executive Officer", "chief executive officer"),
        ("Head Waiter", "head waiter/head waitress"),
    ],
)
def test_a_title_that_is_an_esco_label_as_written_is_that_label(
    norm: Normalizer, text: str, expected: str
) -> None:
    """The words "head" and "chief" are advert noise ("Head of sales"), but "Head Chef" is an
    ESCO occupation: it answered "chef", exact, 1.0, and "Chief Executive Officer" "executive
    officer". The text as written is tried first."""
    [result] = norm.normalize([text], kind="occupation", lang="en")
    assert result.matches[0].method == "exact"
    assert preferred_en(result.matches[0].uri) == expected


def test_a_corrected_word_never_makes_a_text_exact(norm: Normalizer) -> None:
    """The word "coffreur" (formwork builder) is in no ESCO label, one letter from "coiffeur": the
    typo correction may try the hairdresser, but never as the text's exact name at score 1.0.
    A real typo of an exact label ("Plumbr") still finds it first, as a lexical match."""
    formwork, typo = norm.normalize(["Coffreur", "Plumbr"], kind="occupation", lang=None)
    assert all(m.method != "exact" and m.score < 1.0 for m in formwork.matches)
    assert typo.matches[0].method == "lexical"
    assert preferred_en(typo.matches[0].uri) == "plumber"


def test_a_word_of_esco_texts_is_corrected_only_to_a_form_of_itself(norm: Normalizer) -> None:
    """ "filiale" (subsidiary) and "régulier" (regular) are in no occupation label but are words
    of ESCO's descriptions: they were corrected to "familial" and "régleur", and a branch
    director became a family support worker. Real typos and other forms of a word still give
    way ("Plumbr" → plumber; Spanish "menores" → the labels' "menor")."""
    index = norm.indexes_["occupation"]
    assert index.correct(("directeur", "filial")) == ("directeur", "filial")
    assert index.correct(("conducteur", "regulier")) == ("conducteur", "regulier")
    assert index.correct(("plumbr",)) == ("plumber",)
    assert index.correct(("meno",)) == ("menor",)
    [branch] = norm.normalize(["Directeur / Directrice de filiale"], kind="occupation", lang="fr")
    assert "family" not in " ".join(preferred_en(m.uri) for m in branch.matches[:3])


def test_an_occupation_is_found_by_the_name_of_its_small_isco_group(norm: Normalizer) -> None:
    """No French label of forklift operator says "chariot élévateur"; its ISCO group (8344,
    "Conducteurs de chariots élévateurs") does. The match shows the occupation's own name, and
    the group's name never counts as the occupation's exact name."""
    lines = ["Conducteur / Conductrice de chariot élévateur", "Conducteurs de chariots élévateurs"]
    for result in norm.normalize(lines, kind="occupation", lang="fr", top_k=3):
        first = result.matches[0]
        assert preferred_en(first.uri) == "forklift operator", result.text
        assert first.label == "cariste"
        assert first.method == "lexical" and first.score < 1.0
        assert result.resolved


def test_a_large_isco_group_lends_its_name_to_none_of_its_members(norm: Normalizer) -> None:
    """ISCO 5223 "Vendeurs, magasin" holds 44 occupations: its name would tie them all, ahead of
    the ones the text's own words name ("vendeur en magasin de mode", "vendeur")."""
    index = norm.indexes_["occupation"]
    group_keys = {k for k, g in zip(index.label_key, index.label_group, strict=True) if g}
    assert "vendeur magasin" not in group_keys
    assert "conducteur chariot elevateur" in group_keys
    [result] = norm.normalize(["vendeur en magasin"], kind="occupation", lang="fr", top_k=3)
    assert "sales assistant" in top_labels(result, 3)


def test_batches_give_the_same_answer_as_single_texts(norm: Normalizer) -> None:
    unmemoised = Normalizer.__new__(Normalizer)  # each call scores its texts afresh
    unmemoised.__dict__.update(norm.__dict__)
    unmemoised.memo_ = BoundedMemo(0)
    texts = [f"technicien de maintenance {i}" for i in range(300)] + ["boulanger"]
    batch = unmemoised.normalize(texts, kind="occupation", lang="fr")
    [single] = unmemoised.normalize(["boulanger"], kind="occupation", lang="fr")
    assert batch[-1] == single


@pytest.mark.parametrize(
    ("text", "label"),
    [("C#", "C#"), ("C++", "C++"), ("c# developer", "C#"), ("Programmation C++", "C++")],
)
def test_languages_named_with_symbols_are_found(norm: Normalizer, text: str, label: str) -> None:
    """The tokeniser keeps "C#" and "C++" as words (they were cut down to nothing)."""
    [result] = norm.normalize([text], kind="skill", top_k=3)
    assert result.resolved
    assert result.matches[0].label == label


def test_an_exact_preferred_label_ranks_before_exact_synonyms(norm: Normalizer) -> None:
    """ "business analysis" is one skill's preferred label and three others' alternative one."""
    taxonomy = norm.taxonomy
    named = (
        taxonomy.labels.filter(
            (pl.col("text") == "business analysis") & (pl.col("label_type") == "preferred")
        )
        .get_column("uri")
        .to_list()
    )
    others = taxonomy.labels.filter(
        (pl.col("text") == "business analysis") & (pl.col("label_type") != "preferred")
    )
    assert len(named) == 1 and others.height >= 2
    [result] = norm.normalize(["business analysis"], kind="skill", lang="en", top_k=5)
    assert result.matches[0].uri == named[0]
    assert {m.method for m in result.matches[:3]} == {"exact"}


def test_gibberish_is_unresolved_but_keeps_best_guesses(norm: Normalizer) -> None:
    [result] = norm.normalize(["qzxv wpkj"], kind="occupation", top_k=3)
    assert not result.resolved
    assert len(result.matches) <= 3


def test_threshold_decides_resolution(norm: Normalizer) -> None:
    strict = Normalizer.__new__(Normalizer)
    strict.__dict__.update(norm.__dict__)
    strict.threshold = 1.0
    [loose_result] = norm.normalize(["soudeur TIG"], kind="occupation")
    [strict_result] = strict.normalize(["soudeur TIG"], kind="occupation")
    assert loose_result.resolved
    assert not strict_result.resolved
    assert strict_result.matches == loose_result.matches


class TestSynonyms:
    def test_synonym_takes_precedence_and_shares_the_index(self, norm: Normalizer) -> None:
        [plain] = norm.normalize(["Chef de chantier soudure"], kind="occupation", lang="fr")
        welder = next(
            m.uri
            for m in norm.normalize(["welder"], kind="occupation", lang="en")[0].matches
            if preferred_en(m.uri) == "welder"
        )
        with_syn = norm.with_synonyms({"chef de chantier SOUDURE": welder})
        assert with_syn.indexes_ is norm.indexes_
        [result] = with_syn.normalize(["Chef de Chantier Soudure"], kind="occupation")
        assert result.matches[0] == Match(welder, result.matches[0].label, 1.0, "synonym")
        assert result.resolved
        assert welder not in [m.uri for m in result.matches[1:]]
        # the original is unchanged
        assert norm.normalize(["Chef de chantier soudure"], kind="occupation", lang="fr") == [plain]

    def test_synonym_of_another_kind_is_ignored(self, norm: Normalizer) -> None:
        skill = norm.normalize(["Python"], kind="skill")[0].matches[0].uri
        with_syn = norm.with_synonyms({"python": skill})
        [result] = with_syn.normalize(["Python"], kind="occupation")
        assert all(m.method != "synonym" for m in result.matches)

    def test_unknown_synonym_uri_is_an_error(self, norm: Normalizer) -> None:
        with pytest.raises(UnknownConceptError):
            norm.with_synonyms({"x": "http://example.org/not-esco"})

    def test_synonym_key_folds_case_accents_and_gender(self) -> None:
        assert synonym_key("Soudeuse") == synonym_key("SOUDEUR")


class TestErrors:
    def test_unknown_kind(self, norm: Normalizer) -> None:
        with pytest.raises(InvalidNormalizeArgumentError, match="kind must be one of"):
            norm.normalize(["x"], kind="diploma")  # type: ignore[arg-type]

    @pytest.mark.parametrize("top_k", [0, -1, 2.5, True])
    def test_bad_top_k(self, norm: Normalizer, top_k: object) -> None:
        with pytest.raises(InvalidNormalizeArgumentError, match="top_k"):
            norm.normalize(["x"], kind="skill", top_k=top_k)  # type: ignore[arg-type]

    def test_non_str_text_is_named(self, norm: Normalizer) -> None:
        with pytest.raises(InvalidNormalizeArgumentError, match=r"texts\[1\] must be str"):
            norm.normalize(["ok", 42], kind="skill")  # type: ignore[list-item]

    def test_a_bare_str_is_not_a_batch(self, norm: Normalizer) -> None:
        with pytest.raises(InvalidNormalizeArgumentError, match="sequence of str"):
            norm.normalize("welder", kind="occupation")

    def test_errors_are_taxonomy_errors(self) -> None:
        assert issubclass(InvalidNormalizeArgumentError, TaxonomyError)
        assert issubclass(InvalidNormalizeArgumentError, ValueError)

    def test_threshold_out_of_range(self, norm: Normalizer) -> None:
        with pytest.raises(InvalidNormalizeArgumentError, match="threshold"):
            Normalizer(norm.taxonomy, threshold=1.5, kinds=())

    def test_kind_not_built(self, norm: Normalizer) -> None:
        empty = Normalizer(norm.taxonomy, kinds=())
        with pytest.raises(InvalidNormalizeArgumentError, match="built without kind"):
            empty.normalize(["x"], kind="skill")


@pytest.mark.parametrize("marker", ["(Male)", "(FEMALE)", "(male/female)", "- female only", "H/F"])
@pytest.mark.parametrize(
    ("title", "lang"),
    [("Cleaner", "en"), ("Production operator", "en"), ("Nurse", "en"), ("Aide-soignante", "fr")],
)
def test_the_gender_an_advert_asks_for_does_not_change_the_answer(
    norm: Normalizer, title: str, lang: str, marker: str
) -> None:
    # Neither the terms nor the semantic reading see the marker: the same concepts, the same
    # scores (an exact title stays exact).
    bare, marked = norm.normalize([title, f"{title} {marker}"], kind="occupation", lang=lang)
    assert [(m.uri, m.score) for m in marked.matches] == [(m.uri, m.score) for m in bare.matches]

"""The static semantic vectors and their use by the normaliser (English, French, German and
Spanish texts)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skills_taxonomy.errors import TaxonomyError
from skills_taxonomy.index_store import BUNDLED_STORE_PATH, fingerprint, read_concept_vectors
from skills_taxonomy.normalizer import (
    InvalidNormalizeArgumentError,
    Kind,
    NormalizedText,
    Normalizer,
    _concept_vectors,
)
from skills_taxonomy.semantic import (
    QuantisedRows,
    SemanticModel,
    exact_cosines,
    piece_ids,
    quantise,
)
from tests.skills_taxonomy.normalizer_fixture import preferred_en, shared_normalizer


@cache
def model() -> SemanticModel:
    return SemanticModel.load()


@cache
def lexical() -> Normalizer:
    """The shared normaliser's index without semantic vectors."""
    shared = shared_normalizer()
    return Normalizer(shared.taxonomy, semantic=None)


def cosine(a: str, b: str) -> float:
    u, v = model().encode([a, b])
    return float(u @ v)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float32, (5, 7), elements=st.floats(-4, 4, width=32)))
def test_quantised_vectors_are_within_half_a_step(vectors: np.ndarray) -> None:
    codes, scales = quantise(vectors)
    assert codes.dtype == np.int8
    assert np.all(
        np.abs(codes.astype(np.float32) * scales[:, None] - vectors) <= scales[:, None] / 2 + 1e-6
    )


def test_texts_become_unit_vectors_and_unknown_text_a_zero_one() -> None:
    vectors = model().encode(["welder", "work in teams", "", "\U00013000\U00013001"])
    assert vectors.shape == (4, model().dim)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2:].any()


def test_unknown_and_padding_pieces_count_for_nothing_whatever_the_tokenizer_names_them() -> None:
    # A tokenizer's unknown piece may be "<unk>" while its vocabulary also holds "[UNK]" (MPNet's
    # holds both); MPNet's tokenizer file also asks for padding to 128 pieces and truncation.
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"<unk>": 0, "<pad>": 1, "weld": 2, "##er": 3, "[UNK]": 4}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.enable_padding(pad_id=1, pad_token="<pad>", length=8)
    tokenizer.enable_truncation(max_length=2)
    semantic = SemanticModel(np.eye(5, dtype=np.float32), tokenizer)
    assert [ids.tolist() for ids in piece_ids(semantic.tokenizer, ["zzz welder weld"])] == [
        [2, 3, 2]
    ]
    assert np.allclose(semantic.encode(["zzz welder weld"])[0], np.array([0, 0, 2, 1, 0]) / 5**0.5)


def test_meaning_not_spelling_decides_the_similarity() -> None:
    assert cosine("work in a team", "work in teams") > cosine(
        "work in a team", "operate a forklift"
    )
    assert cosine("coffee maker", "barista") > cosine("coffee maker", "bricklayer")
    assert cosine("look after babies", "care for infants") > cosine(
        "look after babies", "look up data"
    )


def test_centroids_are_the_unit_mean_of_the_unit_vectors_of_a_group() -> None:
    texts = ["welder", "weld metal", "nurse", "caregiver", "accountant"]
    group = np.asarray([0, 0, 2, 2, 2])
    got = model().centroids(texts, group, 3)
    vectors = model().encode(texts)
    for g in (0, 2):
        mean = vectors[group == g].sum(axis=0)
        assert np.allclose(got[g], mean / np.linalg.norm(mean), atol=1e-5)
    assert not got[1].any()  # a group without texts


def test_an_unreadable_vector_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "semantic.npz"
    bad.write_bytes(b"not an npz")
    with pytest.raises(TaxonomyError, match="semantic vectors"):
        SemanticModel.load(bad)


def test_the_stored_concept_vectors_are_those_of_the_shipped_vectors() -> None:
    norm = shared_normalizer()
    stored = read_concept_vectors(
        BUNDLED_STORE_PATH, key=fingerprint(norm.taxonomy), kinds=("occupation", "skill")
    )
    assert stored is not None
    for kind, index in norm.indexes_.items():
        fresh = _concept_vectors(model(), index)
        assert stored[kind].shape == fresh.shape
        assert np.abs(stored[kind] - fresh).max() < 0.01  # int8 rounding only


def test_a_stale_store_key_gives_no_vectors() -> None:
    assert read_concept_vectors(BUNDLED_STORE_PATH, key="other", kinds=("skill",)) is None


CASES = [
    # (English text an agency or a job ad might write, kind, ESCO concept expected in the top 3);
    # written from ESCO knowledge: the lexical scores alone leave each of them out of the top 5.
    ("car repair", "skill", "carry out repair of vehicles"),
    ("car repair", "skill", "perform minor vehicle repairs"),
    ("fix cars", "skill", "repair engines"),
    ("car mechanic", "occupation", "diesel engine mechanic"),
]


@pytest.mark.parametrize(("text", "kind", "expected"), CASES)
def test_english_texts_find_a_concept_named_in_other_words(
    text: str, kind: Kind, expected: str
) -> None:
    found = shared_normalizer().normalize([text], kind=kind, lang="en")[0]
    alone = lexical().normalize([text], kind=kind, lang="en")[0]
    assert expected in [preferred_en(m.uri) for m in found.matches[:3]]
    assert expected not in [preferred_en(m.uri) for m in alone.matches[:5]]


def test_a_spreadsheet_is_a_spreadsheet_not_a_database() -> None:
    (found,) = shared_normalizer().normalize(["MS Excel"], kind="skill", lang="en")
    (alone,) = lexical().normalize(["MS Excel"], kind="skill", lang="en")
    assert preferred_en(found.matches[0].uri) == "use spreadsheets software"
    assert preferred_en(alone.matches[0].uri) == "Microsoft Access"


@pytest.mark.parametrize(
    ("texts", "lang", "kind"),
    [
        (["لحام", "كهربائي"], None, "occupation"),
        (["elettricista", "cameriere"], "it", "occupation"),
        (["Schweißen"], "de", "skill"),
    ],
)
def test_texts_in_other_languages_are_ranked_as_without_the_vectors(
    texts: list[str], lang: str | None, kind: Kind
) -> None:
    with_vectors = shared_normalizer().normalize(texts, kind=kind, lang=lang)
    assert with_vectors == lexical().normalize(texts, kind=kind, lang=lang)


def assert_unit_and_ranked(results: list[NormalizedText]) -> None:
    for result in results:
        scores = [m.score for m in result.matches]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)


def test_semantic_scores_stay_in_the_unit_interval_and_ranked() -> None:
    texts = ["fix cars", "car repair", "good communication skills", "problem solving", "Excel"]
    assert_unit_and_ranked(shared_normalizer().normalize(texts, kind="skill", lang="en", top_k=10))


def test_french_texts_use_the_french_vectors_only_when_given() -> None:
    texts = ["soudure à l'arc", "accueil des patients", "travail en équipe"]
    without = Normalizer(shared_normalizer().taxonomy, cross_lingual=())
    with_fr = shared_normalizer().normalize(texts, kind="skill", lang="fr", top_k=10)
    assert without.normalize(texts, kind="skill", lang="fr") == lexical().normalize(
        texts, kind="skill", lang="fr"
    )
    assert with_fr != lexical().normalize(texts, kind="skill", lang="fr", top_k=10)
    assert_unit_and_ranked(with_fr)


FRENCH_CASES = [
    # (French text, kind, French preferred label expected first with the French vectors);
    # written from ESCO knowledge: without them the lexical scores put another concept first.
    ("maçon bâtiment gros œuvre", "occupation", "maçon/maçonne"),
    ("poseur de parquet", "occupation", "parqueteur/parqueteuse"),
    ("soudure à l'arc", "skill", "appliquer des techniques de soudage à l’arc"),
]


@pytest.mark.parametrize(("text", "kind", "expected"), FRENCH_CASES)
def test_french_texts_find_the_concept_their_meaning_names(
    text: str, kind: Kind, expected: str
) -> None:
    norm = shared_normalizer()
    (found,) = norm.normalize([text], kind=kind, lang="fr")
    (alone,) = lexical().normalize([text], kind=kind, lang="fr")
    label = norm.taxonomy.preferred_label
    assert label(found.matches[0].uri, lang="fr") == expected
    assert label(alone.matches[0].uri, lang="fr") != expected


def test_a_language_without_vectors_is_a_clear_error() -> None:
    with pytest.raises(InvalidNormalizeArgumentError, match="'it'"):
        Normalizer(shared_normalizer().taxonomy, kinds=("occupation",), cross_lingual=("it",))


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Altenpfleger", "de", "home care aide"),
        ("cuidador de ancianos", "es", "home care aide"),
    ],
)
def test_german_and_spanish_job_titles_find_the_occupation_they_mean(
    text: str, lang: str, expected: str
) -> None:
    """An employer's vacancy title in German or Spanish (written from ESCO knowledge): the
    lexical scores alone put unrelated occupations in the top 3."""
    (found,) = shared_normalizer().normalize([text], kind="occupation", lang=lang)
    (alone,) = lexical().normalize([text], kind="occupation", lang=lang)
    assert expected in [preferred_en(m.uri) for m in found.matches[:3]]
    assert expected not in [preferred_en(m.uri) for m in alone.matches[:3]]


def test_saved_vectors_load_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "semantic.npz"
    model().save(path)
    again = SemanticModel.load(path)
    assert np.array_equal(again.vectors, model().vectors)
    texts = ["car repair", "soudeur", ""]
    assert np.array_equal(again.encode(texts), model().encode(texts))


def semantic_scores_digest(norm: Normalizer) -> str:
    """Digest of "waste disposal operative"'s semantic scores (both kinds), after checking that
    they are the same bit for bit alone and first, in the middle or last of calls of 1–300."""
    text, others = "waste disposal operative", [f"welder {i}" for i in range(300)]
    digest = hashlib.sha256()
    for kind in ("occupation", "skill"):
        alone = norm._semantic_bonus(kind, [text], ["en"])
        assert alone is not None
        for company in (1, 4, 16, 31, 300):
            for at in sorted({0, company // 2, company}):
                texts = [*others[:at], text, *others[at:company]]
                together = norm._semantic_bonus(kind, texts, ["en"] * len(texts))
                assert together is not None
                assert np.array_equal(alone[1][0], together[1][at]), (kind, company, at)
        digest.update(alone[1][0].tobytes())
    return digest.hexdigest()


def test_a_texts_semantic_scores_do_not_depend_on_the_other_texts_of_its_call() -> None:
    """A matrix product sums in an order its kernel picks by shape (and, on some kernels, by a
    row's position), and the last digit of a score decided ties and roundings by the call."""
    semantic_scores_digest(shared_normalizer())


def _cpu_has(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


def test_semantic_scores_are_the_same_under_other_blas_kernels() -> None:
    """The same scores, bit for bit, from OpenBLAS's kernels for other processors: the Haswell
    kernel (also used on AMD Zen) gives a row different last bits by its position in a
    product, which a float product of the batch would pass on."""
    kernels = ["Prescott", *(["Haswell"] if _cpu_has("avx2") else [])]
    script = (
        "from tests.skills_taxonomy.test_semantic import semantic_scores_digest\n"
        "from tests.skills_taxonomy.normalizer_fixture import shared_normalizer\n"
        "print(semantic_scores_digest(shared_normalizer()))"
    )
    digests = {
        kernel: subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "OPENBLAS_CORETYPE": kernel},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
        ).stdout.strip()
        for kernel in kernels
    }
    assert set(digests.values()) == {semantic_scores_digest(shared_normalizer())}, digests


@settings(max_examples=50, deadline=None)
@given(
    arrays(np.float32, (6, 16), elements=st.floats(-1, 1, width=32)),
    st.permutations(range(6)),
)
def test_exact_cosines_are_close_and_do_not_depend_on_the_query_order(
    queries: np.ndarray, order: list[int]
) -> None:
    queries = queries[np.abs(queries).max(axis=1) > 1e-3]
    rows = QuantisedRows.of(np.random.default_rng(0).standard_normal((40, 16)).astype(np.float32))
    got = exact_cosines(queries, rows)
    expected = queries.astype(np.float64) @ rows.vectors().T.astype(np.float64)
    bound = np.abs(queries).max(axis=1, keepdims=True) * np.abs(rows.vectors()).sum(axis=1) / 1000
    assert np.all(np.abs(got - expected) <= bound + 1e-6)
    shuffled = [i for i in order if i < len(queries)]
    assert np.array_equal(exact_cosines(queries[shuffled], rows), got[shuffled])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("call me later", "occupation"),
        ("call me later", "skill"),
        ("my name is John", "skill"),
        ("rien à signaler", "occupation"),
        ("the weather is nice today", "skill"),
    ],
)
def test_a_line_unrelated_to_work_stays_unresolved(text: str, kind: Kind) -> None:
    """Any text has some concept at a cosine of ~0.6: meaning that weak must not lift a line
    over the threshold (each of these was resolved when the scale grew by the full weight)."""
    (found,) = shared_normalizer().normalize([text], kind=kind)
    assert found.matches
    assert not found.resolved

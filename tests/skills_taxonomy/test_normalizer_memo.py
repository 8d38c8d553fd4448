"""The normaliser's memo: the same answers as without it, synonyms never stale, bounded."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from skills_taxonomy.index import ConceptIndex
from skills_taxonomy.memo import InvalidMemoSizeError
from skills_taxonomy.normalizer import Kind, Match, NormalizedText, Normalizer
from tests.skills_taxonomy.normalizer_fixture import preferred_en, shared_normalizer
from tests.skills_taxonomy.test_normalizer_golden import GOLDEN_PATH, golden_cases, run_cases

Case = tuple[str, Kind, str | None]


@pytest.fixture(scope="module")
def uncached() -> Normalizer:
    return Normalizer(shared_normalizer().taxonomy, memo_size=0)


@pytest.fixture(scope="module")
def small() -> Normalizer:
    """A memo far smaller than the varied set: entries are dropped all the time."""
    return Normalizer(shared_normalizer().taxonomy, memo_size=16)


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    """~300 varied lines (fr/ar/en agency lines, noisy ESCO labels), each also repeated."""
    found = golden_cases(shared_normalizer())
    return found + found[::3]


def _answers(norm: Normalizer, cases: Sequence[Case], *, top_k: int, chunk: int) -> list[str]:
    """``repr`` of each answer (types and float digits count), in ``chunk``-sized calls."""
    out: dict[int, str] = {}
    groups: dict[tuple[Kind, str | None], list[int]] = {}
    for i, (_, kind, lang) in enumerate(cases):
        groups.setdefault((kind, lang), []).append(i)
    for (kind, lang), positions in groups.items():
        for s in range(0, len(positions), chunk):
            part = positions[s : s + chunk]
            texts = [cases[i][0] for i in part]
            found = norm.normalize(texts, kind=kind, lang=lang, top_k=top_k)
            out.update((i, repr(r)) for i, r in zip(part, found, strict=True))
    return [out[i] for i in range(len(cases))]


def test_the_uncached_path_still_gives_the_golden_answers(uncached: Normalizer) -> None:
    golden = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
    cases = [(g["text"], g["kind"], g["given_lang"]) for g in golden]
    want = [{k: g[k] for k in ("lang", "resolved", "matches")} for g in golden]
    assert run_cases(uncached, cases) == want
    assert uncached.memo_info().currsize == 0


@pytest.mark.parametrize("top_k", [1, 10])
@pytest.mark.parametrize("memo", ["shared", "small"])
def test_memoised_answers_equal_the_uncached_ones(
    uncached: Normalizer, small: Normalizer, cases: list[Case], top_k: int, memo: str
) -> None:
    norm = shared_normalizer() if memo == "shared" else small
    want = _answers(uncached, cases, top_k=top_k, chunk=len(cases))
    assert _answers(norm, cases, top_k=top_k, chunk=5) == want  # cold (or partly warm)
    assert _answers(norm, cases, top_k=top_k, chunk=11) == want  # warm
    assert _answers(norm, cases, top_k=top_k, chunk=len(cases)) == want


def test_a_remembered_text_is_answered_without_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    norm = shared_normalizer()
    texts = ["soudure TIG", "maçon", "français courant", "لحام"]
    first = norm.normalize(texts, kind="skill", top_k=1)
    before = norm.memo_info()

    def untouchable(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was consulted for a remembered text")

    monkeypatch.setattr(ConceptIndex, "pools", untouchable)
    assert norm.normalize(texts, kind="skill", top_k=1) == first
    assert norm.memo_info().hits == before.hits + len(texts)
    with pytest.raises(AssertionError, match="index was consulted"):
        norm.normalize(["soudure TIG"], kind="skill", top_k=2)  # another top_k: not remembered


def test_kind_language_and_top_k_are_remembered_apart(uncached: Normalizer) -> None:
    norm = shared_normalizer()
    asked: list[tuple[Kind, str | None, int]] = [
        ("occupation", None, 1),
        ("occupation", None, 10),
        ("occupation", "en", 10),
        ("skill", None, 10),
    ]
    answers = []
    for kind, lang, top_k in asked:
        [got] = norm.normalize(["Soudeur"], kind=kind, lang=lang, top_k=top_k)
        [want] = uncached.normalize(["Soudeur"], kind=kind, lang=lang, top_k=top_k)
        assert got == want
        answers.append(got)
    assert len(answers[0].matches) == 1 and len(answers[1].matches) == 10
    assert answers[1].lang != "en" and answers[2].lang == "en"


def _welder(norm: Normalizer) -> str:
    [result] = norm.normalize(["welder"], kind="occupation", lang="en")
    return next(m.uri for m in result.matches if preferred_en(m.uri) == "welder")


def test_a_synonym_is_never_served_stale(uncached: Normalizer) -> None:
    base = shared_normalizer()
    text = "Chef de chantier soudure"
    [plain] = base.normalize([text], kind="occupation")  # now remembered
    welder = _welder(base)
    other = next(m.uri for m in plain.matches if m.uri != welder)

    first = base.with_synonyms({text: welder})
    assert first.memo_ is base.memo_  # shared: it holds answers before synonyms
    [to_welder] = first.normalize([text], kind="occupation")
    assert to_welder.matches[0] == Match(welder, to_welder.matches[0].label, 1.0, "synonym")

    repointed = first.with_synonyms({text.upper(): other})
    [to_other] = repointed.normalize([text], kind="occupation")
    assert to_other.matches[0].uri == other
    assert to_other.matches[0].method == "synonym"
    assert to_other.matches[1:] == tuple(m for m in plain.matches if m.uri != other)[:9]

    # every normaliser answers with its own synonyms, whichever filled the memo
    assert first.normalize([text], kind="occupation") == [to_welder]
    assert base.normalize([text], kind="occupation") == [plain]
    [fresh_first] = uncached.with_synonyms({text: welder}).normalize([text], kind="occupation")
    assert to_welder == fresh_first


def test_answers_cannot_be_changed_through_the_memo() -> None:
    norm = shared_normalizer()
    first = norm.normalize(["cariste", "cariste"], kind="occupation", top_k=3)
    [result, _] = first
    assert isinstance(result.matches, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.matches = ()  # type: ignore[misc]
    first.clear()  # the caller's list is its own
    again = norm.normalize(["cariste", "cariste"], kind="occupation", top_k=3)
    assert len(again) == 2 and again[0] == result


def test_the_bound_holds(small: Normalizer, cases: list[Case]) -> None:
    texts = [text for text, kind, _ in cases if kind == "skill"]
    assert len(set(texts)) > 4 * small.memo_.maxsize
    small.normalize(texts, kind="skill", top_k=3)
    info = small.memo_info()
    assert info.maxsize == 16
    assert info.currsize == 16


def test_threads_sharing_a_normaliser_get_the_uncached_answers(
    uncached: Normalizer, small: Normalizer, cases: list[Case]
) -> None:
    texts = [text for text, kind, _ in cases if kind == "occupation"][:60]
    want = uncached.normalize(texts, kind="occupation", top_k=2)
    start = threading.Barrier(6)

    def work(n: int) -> list[NormalizedText]:
        start.wait()
        for at in range(0, len(texts), 4):  # overlapping small calls, memo of 16
            step = texts[at : at + 4 + n % 3]
            found = small.normalize(step, kind="occupation", top_k=2)
            assert found == want[at : at + len(step)]
        return small.normalize(texts, kind="occupation", top_k=2)

    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(work, range(6)))  # re-raises a thread's failure
    assert got == [want] * 6


def test_a_bad_memo_size_is_refused_before_the_index_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was loaded")

    monkeypatch.setattr("skills_taxonomy.normalizer.read_store", no_loading)
    with pytest.raises(InvalidMemoSizeError, match="got -1"):
        Normalizer(shared_normalizer().taxonomy, memo_size=-1)

"""Language of short free text (job titles, skills, profile lines): ISO 639-1 code or None.

Method
------
* **Script first.** Arabic-script letters that outnumber Latin letters → ``"ar"``. Text with no
  Latin or Arabic letter (empty, digits, punctuation, other scripts) → ``None``: no evidence.
* **Latin languages by a naive-Bayes character model.** Each word is padded (``" soudeur "``)
  and cut into character n-grams of length 1..``ngram_max``; the word itself is a feature too.
  Per-language log-probabilities come from ``data/langprofile.json``, built by
  ``python -m benchmarks.build_langprofile`` from ESCO labels (en, fr, de, es occupation and skill
  labels; split by concept so that a held-out fifth measures accuracy) plus a hand-written
  Italian seed list (ESCO has no Italian file here), Dirichlet-smoothed towards the languages'
  mean distribution; the posterior is tempered (``softmax(log-likelihood / T)``, T fitted on a
  validation fold) so that ``language_scores`` is calibrated. The profile is loaded lazily, once.
  Accuracy and calibration: ``benchmarks/RESULTS.md (language detection)``.
* **Spelling rules a language out.** A letter that a language never writes excludes it before
  the model speaks: "bûcheron" (û) is not German, "niño" (ñ) not French (``_LETTERS``: each
  language's letters beyond a–z, loanword accents included — German writes "Café", "Crème";
  English, which borrows every accent, is never excluded). When the letters fit no language
  that has a spelling rule (a line mixing "ñ" and "ß"), none is excluded.
* A feature that no language of the profile knows carries no evidence and is skipped; ties,
  texts made only of unknown features and texts made only of short all-caps words (acronyms
  such as ``TIG``, ``BTS``) give ``None``.

``language_scores`` exposes the posterior so that a caller can apply its own confidence cut.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from skills_taxonomy._text import ARABIC_RE, LATIN_RE, require_str
from skills_taxonomy.errors import TaxonomyError

__all__ = [
    "DEFAULT_CANDIDATES",
    "UnsupportedLanguageError",
    "detect_language",
    "detect_languages",
    "language_scores",
    "text_features",
]

DEFAULT_CANDIDATES: tuple[str, ...] = ("en", "fr", "ar", "de", "es", "it")
_PROFILE_RESOURCE = "langprofile.json"
_ACRONYM_MAX = 4
_WORD_CACHE_MAX = 200_000
_WORD_RE = re.compile(r"[^\W\d_]+")
#: Letters beyond a–z that each language writes, its own and its loanwords' (ESCO's labels agree:
#: è, é in 30 of 20,869 German labels, ç in 1 of 17,975 Spanish ones, none of the others). A
#: language absent here (English) is never excluded by spelling.
_LETTERS: Mapping[str, frozenset[str]] = {
    "fr": frozenset("àâæçéèêëîïôœùûüÿ"),
    "de": frozenset("äöüßàçéèêô"),
    "es": frozenset("áéíóúüñçì"),
    "it": frozenset("àèéìíîòóùú"),
}
_MARKED = frozenset().union(*_LETTERS.values())
# Segment boundaries of a mixed line: list punctuation, brackets, dashes between spaces, newlines.
_SEGMENT_RE = re.compile(r"[/,;|()\[\]{}•·+&:\n\t،؛]+|\s[-–—]+\s")


class UnsupportedLanguageError(TaxonomyError, ValueError):
    """A candidate language the detector has no model for."""


@dataclass(frozen=True, slots=True)
class _Profile:
    """The model as a matrix: ``table[rows[feature], column_of_language]`` is a log-probability.

    Every kept feature has a (smoothed) log-probability in every language. Posteriors are
    ``softmax(log_likelihood / temperature)``; the temperature is fitted by the builder on a
    validation fold so that probabilities are not the raw, over-confident naive-Bayes ones.
    """

    ngram_max: int
    temperature: float
    languages: tuple[str, ...]
    rows: Mapping[str, int]
    table: npt.NDArray[np.float64]
    word_cache: dict[str, npt.NDArray[np.float64] | None] = field(
        default_factory=dict, compare=False, repr=False
    )


def _profile_from_raw(raw: Mapping[str, Any]) -> _Profile:
    """Build the matrix form from the JSON form written by ``benchmarks.build_langprofile``:
    ``languages`` (codes) and ``features`` (feature → one log-probability per language, stored
    as integers ``round(logp * scale)``)."""
    features: Mapping[str, Sequence[float]] = raw["features"]
    rows = {feature: i for i, feature in enumerate(features)}
    table = np.array(list(features.values()), dtype=np.float64) / float(raw.get("scale", 1))
    table.setflags(write=False)
    return _Profile(
        ngram_max=int(raw["ngram_max"]),
        temperature=float(raw.get("temperature", 1.0)),
        languages=tuple(raw["languages"]),
        rows=rows,
        table=table,
    )


@cache
def _profile() -> _Profile:
    path = resources.files("skills_taxonomy").joinpath("data", _PROFILE_RESOURCE)
    return _profile_from_raw(json.loads(path.read_text("utf-8")))


def text_features(text: str, *, ngram_max: int = 4) -> Iterator[str]:
    """Yield the model features of ``text``: padded character n-grams and ``w:<word>`` tokens.

    Lower-cases but keeps accents; only letters count (digits and punctuation split words).
    Shared by the detector and by the profile builder so that both see the same features.
    """
    for word in _WORD_RE.findall(text.lower()):
        if not ARABIC_RE.search(word):
            yield from _word_features(word, ngram_max)


def _word_features(word: str, ngram_max: int) -> Iterator[str]:
    yield f"w:{word}"
    padded = f" {word} "
    for n in range(1, ngram_max + 1):
        for i in range(len(padded) - n + 1):
            gram = padded[i : i + n]
            if gram != " ":
                yield gram


def _word_log_likelihood(profile: _Profile, word: str) -> npt.NDArray[np.float64] | None:
    """Summed log-probabilities of one lower-case word's known features, for every language.

    Memoised on the profile (bounded): labels repeat words a lot.
    """
    if word in profile.word_cache:
        return profile.word_cache[word]
    # The features of ``_word_features``, in its order (the sum below depends on it), built
    # without a generator: the word, its letters, then the padded 2..ngram_max-grams.
    padded = f" {word} "
    features = [f"w:{word}", *word]
    for n in range(2, profile.ngram_max + 1):
        features.extend([padded[i : i + n] for i in range(len(padded) - n + 1)])
    get = profile.rows.get
    rows = [r for r in map(get, features) if r is not None]
    sums: npt.NDArray[np.float64] | None = profile.table[rows].sum(axis=0) if rows else None
    if len(profile.word_cache) >= _WORD_CACHE_MAX:
        profile.word_cache.clear()
    profile.word_cache[word] = sums
    return sums


def _check_candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    if isinstance(candidates, str):
        raise TypeError("candidates must be a sequence of ISO 639-1 codes, not one str")
    known = {"ar", *_profile().languages}
    unknown = [c for c in candidates if c not in known]
    if unknown:
        raise UnsupportedLanguageError(
            f"no language model for {unknown!r}; supported: {sorted(known)!r}"
        )
    return tuple(dict.fromkeys(candidates))


def _script_counts(text: str) -> tuple[int, int]:
    arabic = sum(ch.isalpha() for ch in ARABIC_RE.findall(text))
    latin = sum(ch.isalpha() for ch in LATIN_RE.findall(text))
    return arabic, latin


def _is_acronym_only(text: str) -> bool:
    """Only short all-caps words ("TIG", "BTS", "SQL"): no language evidence in them."""
    words = _WORD_RE.findall(text)
    return bool(words) and all(w.isupper() and len(w) <= _ACRONYM_MAX for w in words)


def _log_likelihoods(
    profile: _Profile, text: str, langs: Sequence[str]
) -> npt.NDArray[np.float64] | None:
    """Summed log-probabilities of the known features of ``text`` per language; None if none."""
    total: npt.NDArray[np.float64] | None = None
    for word in _WORD_RE.findall(text.lower()):
        if ARABIC_RE.search(word):
            continue
        sums = _word_log_likelihood(profile, word)
        if sums is not None:
            total = sums if total is None else total + sums
    if total is None:
        return None
    return total[[profile.languages.index(lang) for lang in langs]]


def _spelled(text: str, langs: tuple[str, ...]) -> tuple[str, ...]:
    """The ``langs`` whose spelling holds every marked letter of ``text``; all of them when
    no language of ``_LETTERS`` does (mixed text: "niño Straße")."""
    marked = () if text.isascii() else _MARKED.intersection(text.lower())
    if not marked:
        return langs
    fits = {lang for lang, letters in _LETTERS.items() if marked <= letters}
    if not fits.intersection(langs):
        return langs
    return tuple(lang for lang in langs if lang in fits or lang not in _LETTERS)


def _posterior(text: str, langs: tuple[str, ...]) -> dict[str, float]:
    """Tempered naive-Bayes posterior over Latin ``langs`` (uniform prior); {} if no evidence.

    Languages that ``_spelled`` rules out score 0."""
    if not langs or _is_acronym_only(text):
        return {}
    profile = _profile()
    kept = _spelled(text, langs)
    scores = _log_likelihoods(profile, text, kept)
    if scores is None:
        return {}
    scaled = scores / profile.temperature
    weights = np.exp(scaled - scaled.max())
    weights /= weights.sum()
    posterior = dict.fromkeys(langs, 0.0)
    posterior.update({lang: float(w) for lang, w in zip(kept, weights, strict=True)})
    return posterior


def language_scores(
    text: str, *, candidates: Sequence[str] = DEFAULT_CANDIDATES
) -> dict[str, float]:
    """Probability per candidate language (sums to 1), or ``{}`` when the text holds no evidence.

    Arabic-dominant text scores ``{"ar": 1.0}`` when ``"ar"`` is a candidate.
    """
    require_str(text, func="language_scores")
    langs = _check_candidates(candidates)
    arabic, latin = _script_counts(text)
    if arabic == 0 and latin == 0:
        return {}
    if arabic > latin:
        return {"ar": 1.0} if "ar" in langs else {}
    return _posterior(text, tuple(lang for lang in langs if lang != "ar"))


def detect_language(text: str, *, candidates: Sequence[str] = DEFAULT_CANDIDATES) -> str | None:
    """ISO 639-1 code of the most likely language of ``text``, or ``None`` without evidence.

    >>> detect_language("soudeur"), detect_language("لحام"), detect_language("2024")
    ('fr', 'ar', None)
    """
    require_str(text, func="detect_language")
    scores = language_scores(text, candidates=candidates)
    if not scores:
        return None
    ranked = sorted(scores.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return None
    return max(scores, key=scores.__getitem__)


def _segments(text: str) -> Iterator[str]:
    for part in _SEGMENT_RE.split(text):
        # Split again where the script changes between words ("Soudeur لحام").
        run: list[str] = []
        run_arabic: bool | None = None
        for word in part.split():
            arabic, latin = _script_counts(word)
            if arabic == 0 and latin == 0:
                run.append(word)
                continue
            is_ar = arabic > latin
            if run_arabic is not None and is_ar != run_arabic:
                yield " ".join(run)
                run = []
            run_arabic = is_ar
            run.append(word)
        if run:
            yield " ".join(run)


def detect_languages(
    text: str, *, candidates: Sequence[str] = DEFAULT_CANDIDATES
) -> tuple[str, ...]:
    """Each language present in a mixed line, in order of first appearance, detected by segment.

    Segments are cut at list punctuation (``/ , ; | ( ) :`` …), spaced dashes and script changes.
    A segment of short all-caps words only (``TIG``, ``BTS``) carries no language evidence.

    >>> detect_languages("Soudeur TIG / welder, لحام")
    ('fr', 'en', 'ar')
    """
    require_str(text, func="detect_languages")
    _check_candidates(candidates)
    found: list[str] = []
    for segment in _segments(text):
        lang = detect_language(segment, candidates=candidates)
        if lang is not None and lang not in found:
            found.append(lang)
    return tuple(found)

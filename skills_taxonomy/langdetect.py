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
  Italian seed list (ESCO has no Italian file here). The profile is loaded lazily, once.
* A feature that no language of the profile knows carries no evidence and is skipped; ties and
  texts made only of unknown features give ``None``.

``language_scores`` exposes the posterior so that a caller can apply its own confidence cut.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from skills_taxonomy._text import is_arabic_letter, require_str
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
_WORD_RE = re.compile(r"[^\W\d_]+")
# Segment boundaries of a mixed line: list punctuation, brackets, dashes between spaces, newlines.
_SEGMENT_RE = re.compile(r"[/,;|()\[\]{}•·+&:\n\t،؛]+|\s[-–—]+\s")


class UnsupportedLanguageError(TaxonomyError, ValueError):
    """A candidate language the detector has no model for."""


@dataclass(frozen=True, slots=True)
class _Profile:
    ngram_max: int
    floors: Mapping[str, float]
    logp: Mapping[str, Mapping[str, float]]


@cache
def _profile() -> _Profile:
    raw = json.loads(
        resources.files("skills_taxonomy").joinpath("data", _PROFILE_RESOURCE).read_text("utf-8")
    )
    return _Profile(
        ngram_max=int(raw["ngram_max"]),
        floors=MappingProxyType({k: float(v["floor"]) for k, v in raw["languages"].items()}),
        logp=MappingProxyType(
            {k: MappingProxyType(dict(v["logp"])) for k, v in raw["languages"].items()}
        ),
    )


def text_features(text: str, *, ngram_max: int = 4) -> Iterator[str]:
    """Yield the model features of ``text``: padded character n-grams and ``w:<word>`` tokens.

    Lower-cases but keeps accents; only letters count (digits and punctuation split words).
    Shared by the detector and by the profile builder so that both see the same features.
    """
    for word in _WORD_RE.findall(text.lower()):
        if any(is_arabic_letter(ch) for ch in word):
            continue
        yield f"w:{word}"
        padded = f" {word} "
        for n in range(1, ngram_max + 1):
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                if gram != " ":
                    yield gram


def _check_candidates(candidates: Sequence[str]) -> tuple[str, ...]:
    if isinstance(candidates, str):
        raise TypeError("candidates must be a sequence of ISO 639-1 codes, not one str")
    known = {"ar", *_profile().logp}
    unknown = [c for c in candidates if c not in known]
    if unknown:
        raise UnsupportedLanguageError(
            f"no language model for {unknown!r}; supported: {sorted(known)!r}"
        )
    return tuple(dict.fromkeys(candidates))


def _script_counts(text: str) -> tuple[int, int]:
    arabic = latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        if is_arabic_letter(ch):
            arabic += 1
        elif ord(ch) < 0x0250 or 0x1E00 <= ord(ch) <= 0x1EFF:
            latin += 1
    return arabic, latin


def _posterior(text: str, langs: tuple[str, ...]) -> dict[str, float]:
    """Normalised naive-Bayes posterior over Latin ``langs`` (uniform prior); {} if no evidence."""
    if not langs:
        return {}
    profile = _profile()
    scores = dict.fromkeys(langs, 0.0)
    evidence = False
    for feature in text_features(text, ngram_max=profile.ngram_max):
        values = [profile.logp[lang].get(feature) for lang in langs]
        if all(v is None for v in values):
            continue
        evidence = True
        for lang, value in zip(langs, values, strict=True):
            scores[lang] += profile.floors[lang] if value is None else value
    if not evidence:
        return {}
    top = max(scores.values())
    weights = {lang: math.exp(s - top) for lang, s in scores.items()}
    total = sum(weights.values())
    return {lang: w / total for lang, w in weights.items()}


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
    A segment that is a lone all-caps acronym (``TIG``, ``BTS``) carries no language evidence.

    >>> detect_languages("Soudeur TIG / welder, لحام")
    ('fr', 'en', 'ar')
    """
    require_str(text, func="detect_languages")
    _check_candidates(candidates)
    found: list[str] = []
    for segment in _segments(text):
        words = segment.split()
        if len(words) == 1 and words[0].isupper() and len(words[0]) <= 5:
            continue
        lang = detect_language(segment, candidates=candidates)
        if lang is not None and lang not in found:
            found.append(lang)
    return tuple(found)

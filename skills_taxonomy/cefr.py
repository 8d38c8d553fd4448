"""CEFR language levels from free text: "Allemand B1 (Goethe)", "anglais courant", "IELTS 6.5".

Public API
----------
* ``parse_language_levels(text)`` — every (language, level) a profile line states, one
  ``LanguageLevel`` per language mentioned (the highest level stated for it when it comes up
  twice) and one per level stated without a language.
* ``parse_language_level(text)`` — the first of those, or ``None`` when the text states neither
  a language nor a level.
* ``parse_cefr_code("b1") -> "B1"`` (raises ``InvalidLevelError``), ``cefr_rank`` for ordering
  (``A1 < … < C2 < native``).

Unknown input is reported, never guessed: a language without a level gives ``level=None``
(``resolved`` is False), a level without a language gives ``language=None``.

How a line is read (all tables are data in ``skills_taxonomy.cefr_tables``): evidence is found
on the folded text (case, accents, Arabic variants) — explicit codes and ranges (a range gives
its lower end), certificates with their level, score or grade, and descriptors ("courant",
"fließend", "متوسط") by a documented convention. Overlapping evidence keeps the longest match.
The line is cut into clauses at ``, ; | •`` and newlines outside evidence; in a clause each
language takes the evidence that follows it (or, when no evidence separates two languages, the
evidence shared by all of them); the most specific evidence wins (code > score or grade >
descriptor). Generic descriptors ("good", "courant", "base") count only next to a language or a
"niveau/level" keyword, so "courant fort" is not read as C1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from typing import Literal, get_args

from skills_taxonomy._text import fold_with_offsets, require_str
from skills_taxonomy.cefr_tables import (
    CERTIFICATES,
    DESCRIPTORS,
    GRADES,
    LEVEL_KEYWORDS,
    NOT_A_LANGUAGE_LEVEL,
    SCORE_BANDS,
    SCORE_FILLERS,
)
from skills_taxonomy.errors import TaxonomyError
from skills_taxonomy.language_names import LanguageMention, find_language_mentions

__all__ = [
    "CEFR_LEVELS",
    "CefrLevel",
    "InvalidLevelError",
    "LanguageLevel",
    "cefr_rank",
    "parse_cefr_code",
    "parse_language_level",
    "parse_language_levels",
]

CefrLevel = Literal["A1", "A2", "B1", "B2", "C1", "C2", "native"]
CEFR_LEVELS: tuple[CefrLevel, ...] = get_args(CefrLevel)

# Evidence priority: an explicit code beats a score or grade, which beats a descriptor.
_CODE, _SCORE, _DESCRIPTOR, _NONE = 3, 2, 1, 0
_WORD_START = r"(?<![^\W\d_])"
_WORD_END = r"(?![^\W\d_])"
_CODE_RE = r"(?<![a-z0-9])[abc][12](?:\.[12]|\+)?(?![a-z0-9])"
_CACHE_SIZE = 8192
_CLAUSE_SEPARATORS = re.compile(r"[,;|\n•·،؛]")


class InvalidLevelError(TaxonomyError, ValueError):
    """A string that is not a CEFR level code (``A1``..``C2``) or ``native``."""


@dataclass(frozen=True, slots=True)
class LanguageLevel:
    """One language skill stated in a text.

    ``language``: ISO 639-1 code (``zgh`` for Amazigh), or None when the text gives a level but
    no language. ``level``: ``A1``..``C2`` or ``native``, or None when no level is stated.
    ``evidence`` is ``text[span[0]:span[1]]``; ``source`` names the rule that gave the level
    (``"CEFR code"``, ``"DELF"``, ``"IELTS band"``, ``"descriptor: courant"``…);
    ``confidence`` (0..1) is the confidence of the level, 0.0 when there is none.
    """

    language: str | None
    level: CefrLevel | None
    span: tuple[int, int]
    evidence: str
    source: str
    confidence: float

    @property
    def resolved(self) -> bool:
        """True when both the language and the level are known."""
        return self.language is not None and self.level is not None


@dataclass(frozen=True, slots=True)
class _Evidence:
    start: int
    end: int
    level: CefrLevel | None
    language: str | None  # implied by a certificate
    confidence: float
    source: str
    priority: int
    needs_context: bool = False


def parse_cefr_code(code: str) -> CefrLevel:
    """Validate a level code: ``"b1" -> "B1"``, ``" Native " -> "native"``.

    Raises ``InvalidLevelError`` for anything else (``"B3"``, ``"B1+"``, ``""``).
    """
    require_str(code, func="parse_cefr_code")
    cleaned = code.strip()
    if cleaned.lower() == "native":
        return "native"
    upper = cleaned.upper()
    for level in CEFR_LEVELS:
        if upper == level:
            return level
    raise InvalidLevelError(
        f"not a CEFR level: {code!r} (expected A1, A2, B1, B2, C1, C2 or native)"
    )


def cefr_rank(level: str) -> int:
    """Order of a level: A1 → 1 … C2 → 6, native → 7 (validated by ``parse_cefr_code``)."""
    return CEFR_LEVELS.index(parse_cefr_code(level)) + 1


def _lowest(codes: Sequence[str]) -> CefrLevel:
    return min((parse_cefr_code(c[:2]) for c in codes), key=cefr_rank)


def _band(bands: tuple[tuple[float, CefrLevel], ...], score: float) -> CefrLevel | None:
    for threshold, level in bands:
        if score >= threshold:
            return level
    return None


@dataclass(frozen=True, slots=True)
class _Rules:
    """The tables of ``cefr_tables`` compiled once (lazily, on first use)."""

    codes: re.Pattern[str]  # a code or a range of codes
    certificates: tuple[tuple[str, str | None, str, re.Pattern[str]], ...]  # name, lang, kind
    descriptors: tuple[tuple[CefrLevel, float, bool, str, re.Pattern[str]], ...]
    keywords: re.Pattern[str]
    not_a_level: re.Pattern[str]


@cache
def _rules() -> _Rules:
    codes = re.compile(
        rf"(?P<a>{_CODE_RE})\s*(?:-|–|/|to|a|à|bis|au|al)\s*(?P<b>{_CODE_RE})|(?P<one>{_CODE_RE})"
    )
    certificates = []
    for name, pattern, language, kind in CERTIFICATES:
        if "(?P<grade>" in pattern:
            suffix = ""
        elif kind == "code":
            suffix = (
                rf"(?:[\s:\-]*(?:niveau|level|stufe|nivel|livello)?[\s:\-]*(?P<code>{_CODE_RE}))?"
            )
        elif kind in SCORE_BANDS:
            suffix = rf"(?:[\s:\-]*(?:{'|'.join(SCORE_FILLERS)}))*"
            suffix += rf"(?:[\s:\-]*(?:niveau|level)?[\s:\-]*(?P<code>{_CODE_RE})"
            suffix += r"|[\s:\-]*(?P<score>\d{1,3}(?:[.,]\d)?)(?!\d))?"
        else:
            grades = "|".join(re.escape(g) for g, _ in GRADES[kind])
            suffix = rf"(?:[\s:\-]*(?P<grade>{grades})(?![^\W_]))?"
        regex = re.compile(_WORD_START + f"(?:{pattern})" + suffix)
        certificates.append((name, language, kind, regex))
    descriptors = [
        (
            level,
            confidence,
            needs_context,
            label,
            re.compile(_WORD_START + f"(?:{pattern})(?:e|s|es)?" + _WORD_END),
        )
        for label, pattern, level, confidence, needs_context in DESCRIPTORS
    ]
    return _Rules(
        codes=codes,
        certificates=tuple(certificates),
        descriptors=tuple(descriptors),
        keywords=re.compile(_WORD_START + "(?:" + "|".join(LEVEL_KEYWORDS) + ")" + _WORD_END),
        not_a_level=re.compile(NOT_A_LANGUAGE_LEVEL),
    )


def _find_evidence(folded: str, offsets: tuple[int, ...]) -> list[_Evidence]:
    rules = _rules()

    def span(m: re.Match[str]) -> tuple[int, int]:
        return offsets[m.start()], offsets[m.end() - 1] + 1

    found: list[_Evidence] = []
    for m in rules.codes.finditer(folded):
        if rules.not_a_level.search(folded, max(0, m.start() - 40), m.start()):
            continue
        codes = [c for c in (m.group("a"), m.group("b"), m.group("one")) if c]
        label = "CEFR code" if len(codes) == 1 else "CEFR range (lower end)"
        conf = 0.95 if len(codes) == 1 else 0.8
        found.append(_Evidence(*span(m), _lowest(codes), None, conf, label, _CODE))
    for name, language, kind, regex in rules.certificates:
        for m in regex.finditer(folded):
            if m.end() == m.start():
                continue
            groups = m.groupdict()
            level: CefrLevel | None = None
            conf, priority = 0.0, _NONE
            if groups.get("code"):
                level, conf, priority = _lowest([groups["code"]]), 0.95, _CODE
            elif groups.get("score"):
                score = float(groups["score"].replace(",", "."))
                level = _score_level(kind, score)
                conf, priority = (0.85, _SCORE) if level else (0.0, _NONE)
            elif groups.get("grade"):
                level = dict(GRADES[kind])[re.sub(r"[\s\-]+", " ", groups["grade"])]
                conf, priority = 0.9, _SCORE
            found.append(_Evidence(*span(m), level, language, conf, name, priority))
    for level_, conf_, needs_context, label, regex in rules.descriptors:
        for m in regex.finditer(folded):
            source = f"descriptor: {label}"
            found.append(
                _Evidence(*span(m), level_, None, conf_, source, _DESCRIPTOR, needs_context)
            )
    # Longest match first; drop evidence overlapping a kept one.
    found.sort(key=lambda e: (-(e.end - e.start), e.start))
    kept: list[_Evidence] = []
    for ev in found:
        if all(ev.end <= k.start or ev.start >= k.end for k in kept):
            kept.append(ev)
    return sorted(kept, key=lambda e: e.start)


def _score_level(kind: str, score: float) -> CefrLevel | None:
    """Band of a score; TOEFL scores above 120 are paper/ITP scores (``toefl_pbt`` bands)."""
    if kind == "toefl" and score > 120:
        kind = "toefl_pbt"
    bands, low, high = SCORE_BANDS[kind]
    if not low <= score <= high:
        return None
    return _band(bands, score)


def _clauses(text: str, evidence: Sequence[_Evidence]) -> list[tuple[int, int]]:
    cuts = [
        m.start()
        for m in _CLAUSE_SEPARATORS.finditer(text)
        if not any(e.start <= m.start() < e.end for e in evidence)
    ]
    bounds = [0, *[c + 1 for c in cuts], len(text) + 1]
    return [(a, b - 1) for a, b in pairwise(bounds)]


def _best(evidence: Sequence[_Evidence]) -> _Evidence | None:
    with_level = [e for e in evidence if e.level is not None]
    if not with_level:
        return None
    return max(with_level, key=lambda e: (e.priority, e.confidence, -e.start))


def _result(
    text: str,
    language: str | None,
    anchors: Sequence[tuple[int, int]],
    evidence: Sequence[_Evidence],
) -> LanguageLevel:
    ev = _best(evidence)
    # A certificate named without its level still says where the language came from.
    bare = [e.source for e in evidence if e.language is not None and e.level is None]
    fallback = f"{bare[0]} (no level stated)" if bare else "language name only"
    spans = [*anchors, *([(ev.start, ev.end)] if ev else [])]
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    return LanguageLevel(
        language=language,
        level=ev.level if ev else None,
        span=(start, end),
        evidence=text[start:end],
        source=ev.source if ev else fallback,
        confidence=ev.confidence if ev else 0.0,
    )


def _read_clause(
    text: str, languages: list[LanguageMention], evidence: list[_Evidence], has_keyword: bool
) -> list[LanguageLevel]:
    # Generic descriptors need a language or a level keyword in the clause.
    if not languages and not has_keyword:
        evidence = [e for e in evidence if not e.needs_context]
    if not languages:
        # Certificates name their language: "DELF B2", "IELTS 7".
        implied = [e for e in evidence if e.language is not None]
        languages = [LanguageMention(e.language or "", e.start, e.end) for e in implied]
    if not languages:
        return [_result(text, None, [], evidence)] if _best(evidence) else []
    between = [e for e in evidence if languages[0].start < e.start < languages[-1].start]
    results: list[LanguageLevel] = []
    for i, lang in enumerate(languages):
        if not between:
            own = evidence
        else:
            upto = languages[i + 1].start if i + 1 < len(languages) else len(text)
            own = [
                e
                for e in evidence
                if lang.start <= e.start < upto or (i == 0 and e.start < lang.start)
            ]
        if any(r.language == lang.code for r in results):
            continue
        results.append(_result(text, lang.code, [(lang.start, lang.end)], own))
    return results


def parse_language_levels(text: str) -> tuple[LanguageLevel, ...]:
    """Every language skill a line states, in order.

    >>> [(r.language, r.level) for r in parse_language_levels(
    ...     "Allemand B1 (Goethe), anglais courant, arabe langue maternelle")]
    [('de', 'B1'), ('en', 'C1'), ('ar', 'native')]
    """
    require_str(text, func="parse_language_levels")
    return _parse_line(text)


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_line(text: str) -> tuple[LanguageLevel, ...]:
    """``parse_language_levels`` on validated text; memoised (agency lines repeat a lot)."""
    folded, offsets = fold_with_offsets(text)
    evidence = _find_evidence(folded, offsets)
    mentions = find_language_mentions(text)
    keyword_at = [offsets[m.start()] for m in _rules().keywords.finditer(folded)]
    results: list[LanguageLevel] = []
    waiting: list[int] = []  # bare languages (no level yet) of the clauses just before
    for start, end in _clauses(text, evidence):
        langs = [m for m in mentions if start <= m.start < end]
        evs = [e for e in evidence if start <= e.start < end]
        has_keyword = bool(waiting) or any(start <= k < end for k in keyword_at)
        found = _read_clause(text, langs, evs, has_keyword)
        if waiting and len(found) == 1 and found[0].language is None:
            # "Anglais, niveau B2": a bare level right after bare languages completes them.
            for i in waiting:
                results[i] = _merge(text, results[i], found[0])
            waiting = []
            continue
        if found and all(r.language is not None and r.level is None for r in found):
            waiting += range(len(results), len(results) + len(found))
            results.extend(found)
            continue
        shared = [r for r in found if r.level is not None and ":" in r.evidence]
        if waiting and shared:
            # "Kabyle, arabe, français : couramment": a list closed by "language : level".
            for i in waiting:
                results[i] = _merge(text, results[i], shared[0])
        waiting = []
        results.extend(found)
    return _one_per_language(results)


def _one_per_language(results: Sequence[LanguageLevel]) -> tuple[LanguageLevel, ...]:
    """Keep one result per language, at its first position: the highest level stated for it
    ("Français : DELF B2, DALF C1" → C1); results without a language are all kept."""

    def strength(r: LanguageLevel) -> int:
        return 0 if r.level is None else cefr_rank(r.level)

    best: dict[str, LanguageLevel] = {}
    for r in results:
        if r.language is not None and (
            r.language not in best or strength(r) > strength(best[r.language])
        ):
            best[r.language] = r
    kept: list[LanguageLevel] = []
    seen: set[str] = set()
    for r in results:
        if r.language is None:
            kept.append(r)
        elif r.language not in seen:
            seen.add(r.language)
            kept.append(best[r.language])
    return tuple(kept)


def _merge(text: str, language: LanguageLevel, level: LanguageLevel) -> LanguageLevel:
    start, end = language.span[0], level.span[1]
    return LanguageLevel(
        language=language.language,
        level=level.level,
        span=(start, end),
        evidence=text[start:end],
        source=level.source,
        confidence=level.confidence,
    )


def parse_language_level(text: str) -> LanguageLevel | None:
    """The first language skill stated in ``text`` (see ``parse_language_levels``), or None.

    >>> parse_language_level("DELF B2").level, parse_language_level("niveau intermédiaire").language
    ('B2', None)
    """
    require_str(text, func="parse_language_level")
    found = parse_language_levels(text)
    return found[0] if found else None

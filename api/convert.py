"""Stored profiles → the matching core's records: ``to_candidate`` and ``to_opening``.

A profile's concept rows (what the normaliser made of its free text) give the ESCO concepts:

* candidate ``skills`` rows → ``SkillClaim(uri, level=confidence)`` (the best row per skill),
  ``job_titles`` rows → past occupations, ``languages`` rows → CEFR levels (the row's level; the
  language from an ISO 639-1 concept URI, else read from the row's text), ``diplomas`` rows
  → the highest EQF level;
* opening ``occupation`` → the occupation, ``essential_skills`` / ``optional_skills`` → skill
  URIs (a skill both essential and optional stays essential), ``languages`` → minimum levels.

Rows without a concept (unresolved) are left out, and languages without a two-letter ISO
639-1 code (Amazigh, ``zgh``); a URI is used as a skill or an occupation
by its ESCO path (``/skill/`` or ``/occupation/``). A profile without language or diploma rows
(stored while no normaliser was configured) has its levels read from the text as written.
Record ids are the database ids as strings; nothing here scores or matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

import matching
from api.models.candidates import Candidate
from api.models.openings import Opening
from skills_taxonomy.cefr import CEFR_LEVELS, parse_language_level, parse_language_levels
from skills_taxonomy.eqf import parse_eqf

__all__ = ["CONCEPT_COLUMNS", "ConceptRow", "to_candidate", "to_opening"]

_SKILL_PATH = "/esco/skill/"
_OCCUPATION_PATH = "/esco/occupation/"
_LANGUAGE_PATH = "/iso639-1/"


class ConceptRow(NamedTuple):
    """The columns of a concept row the conversion reads (a plain tuple: a programme has tens
    of thousands of rows, and ORM objects would cost more than the conversion)."""

    field: str
    source_text: str
    concept_uri: str | None
    confidence: float
    level: str | None


#: The names of ``ConceptRow``'s columns, to select them from either concept table.
CONCEPT_COLUMNS: tuple[str, ...] = ConceptRow._fields


def to_candidate(row: Candidate, concepts: Iterable[ConceptRow]) -> matching.Candidate:
    """The matching record of one stored candidate and its concept rows."""
    assert row.id is not None
    by_field = _by_field(concepts)
    return matching.Candidate(
        id=str(row.id),
        skills=_claims(by_field.get("skills", [])),
        occupations=_uris(by_field.get("job_titles", []), _OCCUPATION_PATH),
        languages=_languages(by_field.get("languages", []), text=row.languages),
        eqf=_eqf(by_field.get("diplomas", []), text=row.diplomas),
        experience_years=float(row.experience_years or 0),
        gender=row.gender,
        origin=row.country,
        destinations=tuple(dict.fromkeys(row.destinations)),
    )


def to_opening(row: Opening, concepts: Iterable[ConceptRow]) -> matching.Opening:
    """The matching record of one stored opening and its concept rows."""
    assert row.id is not None
    by_field = _by_field(concepts)
    occupations = _uris(by_field.get("occupation", []), _OCCUPATION_PATH)
    essential = _uris(by_field.get("essential_skills", []), _SKILL_PATH)
    optional = tuple(
        uri
        for uri in _uris(by_field.get("optional_skills", []), _SKILL_PATH)
        if uri not in essential
    )
    return matching.Opening(
        id=str(row.id),
        kind=row.kind,
        employer=str(row.employer_id),
        country=row.country,
        occupation=occupations[0] if occupations else None,
        essential_skills=essential,
        optional_skills=optional,
        min_languages=_languages(by_field.get("languages", []), text=row.languages),
        capacity=row.capacity,
        start=row.start_date,
    )


def _by_field(concepts: Iterable[ConceptRow]) -> dict[str, list[ConceptRow]]:
    out: dict[str, list[ConceptRow]] = {}
    for concept in concepts:
        out.setdefault(concept.field, []).append(concept)
    return out


def _claims(rows: Sequence[ConceptRow]) -> tuple[matching.SkillClaim, ...]:
    best: dict[str, float] = {}
    for row in rows:
        uri = row.concept_uri
        if uri is None or _SKILL_PATH not in uri:
            continue
        level = min(max(float(row.confidence), 0.01), 1.0)
        best[uri] = max(best.get(uri, 0.0), level)
    return tuple(matching.SkillClaim(uri, level) for uri, level in best.items())


def _uris(rows: Sequence[ConceptRow], path: str) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(r.concept_uri for r in rows if r.concept_uri and path in r.concept_uri)
    )


def _languages(rows: Sequence[ConceptRow], *, text: str) -> tuple[matching.LanguageLevel, ...]:
    """One level per language, the highest stated; from the rows, else from ``text``."""
    found: list[tuple[str, str]] = []
    for row in rows:
        language: str | None = None
        if row.concept_uri is not None and _LANGUAGE_PATH in row.concept_uri:
            language = row.concept_uri.rsplit("/", 1)[-1]
        level: str | None = row.level if row.level in CEFR_LEVELS else None
        if language is None or level is None:
            parsed = parse_language_level(row.source_text)
            language = language or (parsed.language if parsed is not None else None)
            level = level or (parsed.level if parsed is not None else None)
        if language is not None and level is not None:
            found.append((language, level))
    if not rows:
        found = [
            (lv.language, str(lv.level))
            for lv in parse_language_levels(text)
            if lv.language is not None and lv.level is not None
        ]
    best: dict[str, str] = {}
    for language, level in found:
        if len(language) != 2:  # the core takes ISO 639-1 codes only (not "zgh")
            continue
        if language not in best or CEFR_LEVELS.index(level) > CEFR_LEVELS.index(best[language]):
            best[language] = level
    return tuple(matching.LanguageLevel(lang, best[lang]) for lang in sorted(best))


def _eqf(rows: Sequence[ConceptRow], *, text: str) -> int:
    levels = [int(r.level) for r in rows if r.level is not None and r.level.isdigit()]
    if not rows:
        parsed = parse_eqf(text)
        levels = [parsed.level] if parsed is not None else []
    return min(max(levels, default=0), 8)

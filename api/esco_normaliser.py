"""The ESCO profile normaliser: ``EscoProfileNormaliser`` implements ``ProfileNormaliser``
(``api.normalisation``) on the core's ``Normalizer``, EQF and CEFR parsers.

Per field of a profile, what the text becomes:

==========================================  =================================================
Field                                       Items and concept
==========================================  =================================================
candidate ``skills``; opening               one item per ``, ; | •`` or newline separated
``essential_skills``, ``optional_skills``   part → an ESCO skill (``Normalizer``)
candidate ``job_titles``; opening           one item per part → an ESCO occupation
``occupation``
candidate ``diplomas``                      one item per qualification found
                                            (``skills_taxonomy.eqf``) → the EQF level URI
                                            ``http://data.europa.eu/snb/eqf/<level>``,
                                            ``level`` = the EQF level
``languages``                               one item per language (``skills_taxonomy.cefr``)
                                            → ``http://id.loc.gov/vocabulary/iso639-1/<code>``,
                                            ``level`` = the CEFR level (None when not stated)
==========================================  =================================================

A part the normaliser cannot resolve is kept with ``concept_uri=None``, ``method="unresolved"``
(skills and occupations then wait in the curation queue, ``api.curation``). All the texts of
a batch are normalised in one call per concept kind, each distinct text once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from api.normalisation import NormalisedItem, ProfileKind
from skills_taxonomy.cefr import parse_language_levels
from skills_taxonomy.eqf import find_qualifications
from skills_taxonomy.normalizer import Kind, Normalizer
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "EQF_URI",
    "FIELD_KINDS",
    "LANGUAGE_URI",
    "MAX_ITEMS_PER_FIELD",
    "MAX_ITEM_CHARS",
    "EscoProfileNormaliser",
    "FieldKind",
    "bundled_normalizer",
    "fields_of_kind",
    "split_items",
]

FieldKind = Literal["skill", "occupation", "qualification", "language"]

#: Which kind of concept each free-text field holds.
FIELD_KINDS: dict[ProfileKind, dict[str, FieldKind]] = {
    "candidate": {
        "skills": "skill",
        "job_titles": "occupation",
        "diplomas": "qualification",
        "languages": "language",
    },
    "opening": {
        "occupation": "occupation",
        "essential_skills": "skill",
        "optional_skills": "skill",
        "languages": "language",
    },
}

EQF_URI = "http://data.europa.eu/snb/eqf/{level}"
LANGUAGE_URI = "http://id.loc.gov/vocabulary/iso639-1/{code}"
#: Items kept per field (the rest of a very long field is ignored) and characters per item.
MAX_ITEMS_PER_FIELD = 50
MAX_ITEM_CHARS = 200

_SEPARATORS = re.compile(r"[,;|\n•·،؛]")


def fields_of_kind(profile: ProfileKind, kind: FieldKind) -> tuple[str, ...]:
    """The fields of ``profile`` that hold concepts of ``kind``."""
    return tuple(f for f, k in FIELD_KINDS[profile].items() if k == kind)


def split_items(text: str) -> tuple[str, ...]:
    """The distinct non-empty parts of a list written as text, in order, each trimmed."""
    return _split_items(text)


@lru_cache(maxsize=16_384)
def _split_items(text: str) -> tuple[str, ...]:
    """``split_items``, memoised (profile lines repeat a lot in an import)."""
    items: list[str] = []
    seen: set[str] = set()
    for part in _SEPARATORS.split(text):
        item = " ".join(part.split())[:MAX_ITEM_CHARS]
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
            if len(items) >= MAX_ITEMS_PER_FIELD:
                break
    return tuple(items)


@cache
def bundled_normalizer() -> Normalizer:
    """The normaliser over the bundled ESCO taxonomy, built once per process (slow: tens of
    seconds), without synonyms."""
    return Normalizer(Taxonomy.load_bundled())


@dataclass(frozen=True, slots=True)
class EscoProfileNormaliser:
    """``ProfileNormaliser`` over ``normalizer`` (whose synonyms are the programme's)."""

    normalizer: Normalizer

    def with_synonyms(self, mapping: Mapping[str, str]) -> EscoProfileNormaliser:
        """A copy with ``mapping`` (text → concept URI) added; the index is shared (cheap)."""
        return EscoProfileNormaliser(self.normalizer.with_synonyms(mapping))

    def warm_up(self) -> None:
        """Normalise one small profile of each kind, in French, English and Arabic, and drop the
        answer: the parsers, the language detector and the index build their tables lazily
        (~0.1 s on the first call), and a server calls this at start-up so that its first
        requests do not wait for them (nor do the requests queued behind those)."""
        for kind, profile in _WARM_UP.items():
            self.normalise_profiles(kind=kind, profiles=[profile])

    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        kinds = FIELD_KINDS[kind]
        wanted: dict[Kind, dict[str, None]] = {"skill": {}, "occupation": {}}
        for profile in profiles:
            for field, text in profile.items():
                field_kind = kinds.get(field)
                if field_kind == "skill" or field_kind == "occupation":
                    wanted[field_kind].update(dict.fromkeys(split_items(text)))
        resolved: dict[tuple[Kind, str], NormalisedItem] = {}
        for concept_kind, texts in wanted.items():
            found = self.normalizer.normalize(list(texts), kind=concept_kind, top_k=1)
            for text, result in zip(texts, found, strict=True):
                best = result.matches[0] if result.resolved else None
                resolved[concept_kind, text] = NormalisedItem(
                    field="",
                    source_text=text,
                    concept_uri=best.uri if best else None,
                    confidence=best.score if best else 0.0,
                    method=best.method if best else "unresolved",
                )
        out: list[list[NormalisedItem]] = []
        for profile in profiles:
            items: list[NormalisedItem] = []
            for field, text in profile.items():
                field_kind = kinds.get(field)
                if field_kind == "skill" or field_kind == "occupation":
                    for part in split_items(text):
                        found_item = resolved[field_kind, part]
                        items.append(_with_field(found_item, field))
                elif field_kind == "qualification":
                    items.extend(_qualifications(field, text))
                elif field_kind == "language":
                    items.extend(_languages(field, text))
            out.append(items)
        return out


#: Profiles for ``warm_up``: every field kind, in each script and language agencies write.
_WARM_UP: dict[ProfileKind, dict[str, str]] = {
    "candidate": {
        "skills": "souder des pièces ; drive a forklift ; خدمة الزبائن",
        "job_titles": "Soudeur / Soudeuse H/F, welder, لحام",
        "diplomas": "Technicien Spécialisé (OFPPT), Bachelor of Science",
        "languages": "Allemand B1 (Goethe), English fluent, العربية: اللغة الأم",
    },
    "opening": {
        "occupation": "Krankenpfleger",
        "essential_skills": "prendre soin des patients",
        "optional_skills": "use a computer",
        "languages": "Deutsch B2",
    },
}


def _with_field(item: NormalisedItem, field: str) -> NormalisedItem:
    return NormalisedItem(
        field=field,
        source_text=item.source_text,
        concept_uri=item.concept_uri,
        confidence=item.confidence,
        method=item.method,
        level=item.level,
    )


def _qualifications(field: str, text: str) -> list[NormalisedItem]:
    items = [
        NormalisedItem(
            field=field,
            source_text=q.evidence[:MAX_ITEM_CHARS],
            concept_uri=EQF_URI.format(level=q.level),
            confidence=q.confidence,
            method="eqf",
            level=str(q.level),
        )
        for q in find_qualifications(text)[:MAX_ITEMS_PER_FIELD]
    ]
    if not items and text.strip():
        items.append(_unresolved(field, text))
    return items


def _languages(field: str, text: str) -> list[NormalisedItem]:
    items: list[NormalisedItem] = []
    for found in parse_language_levels(text)[:MAX_ITEMS_PER_FIELD]:
        if found.language is None:
            items.append(_unresolved(field, found.evidence or text))
            continue
        items.append(
            NormalisedItem(
                field=field,
                source_text=(found.evidence or text)[:MAX_ITEM_CHARS],
                concept_uri=LANGUAGE_URI.format(code=found.language),
                confidence=found.confidence if found.level else 0.5,
                method="cefr",
                level=found.level,
            )
        )
    if not items and text.strip():
        items.append(_unresolved(field, text))
    return items


def _unresolved(field: str, text: str) -> NormalisedItem:
    source = " ".join(text.split())[:MAX_ITEM_CHARS]
    return NormalisedItem(
        field=field, source_text=source, concept_uri=None, confidence=0.0, method="unresolved"
    )

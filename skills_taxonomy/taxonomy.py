"""The ESCO taxonomy held in memory: concepts, labels per language, hierarchy and relations.

CONTRACT (stub written first so that the normaliser and the matching core can be built against
it in parallel; bodies are filled in by the importer work).

Tables are polars frames with these documented schemas (all strings unless said):

* ``concepts``: uri, kind ("skill" | "occupation" | "isco_group" | "skill_group"), code (ESCO or
  ISCO code, may be null), isco_group (4-digit ISCO code of an occupation, else null),
  skill_type ("skill/competence" | "knowledge" | null), reuse_level (may be null)
* ``labels``: uri, lang (ISO 639-1), label_type ("preferred" | "alternative" | "hidden"), text
* ``descriptions``: uri, lang, text
* ``broader``: uri, broader_uri (skills, skill groups, occupations, ISCO groups: the ESCO
  broader relations of both pillars)
* ``occupation_skills``: occupation_uri, skill_uri, relation ("essential" | "optional")
* ``skill_relations``: skill_uri, related_uri, relation ("essential" | "optional") — ESCO
  skill→skill relations

``Taxonomy`` is immutable after construction; lookups that take a URI raise
``UnknownConceptError`` for a URI the taxonomy does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

ConceptKind = Literal["skill", "occupation", "isco_group", "skill_group"]
LabelType = Literal["preferred", "alternative", "hidden"]
Relation = Literal["essential", "optional"]

__all__ = ["Concept", "ConceptKind", "Label", "LabelType", "Relation", "Taxonomy"]


@dataclass(frozen=True, slots=True)
class Concept:
    uri: str
    kind: ConceptKind
    code: str | None
    isco_group: str | None
    skill_type: str | None
    reuse_level: str | None


@dataclass(frozen=True, slots=True)
class Label:
    uri: str
    lang: str
    label_type: LabelType
    text: str


class Taxonomy:
    """ESCO concepts and relations; see the module docstring for table schemas."""

    version: str  # e.g. "ESCO v1.1.1"

    def __init__(
        self,
        *,
        version: str,
        concepts: pl.DataFrame,
        labels: pl.DataFrame,
        descriptions: pl.DataFrame,
        broader: pl.DataFrame,
        occupation_skills: pl.DataFrame,
        skill_relations: pl.DataFrame,
        sources: Sequence[str] = (),
    ) -> None: ...

    # --- loading ---------------------------------------------------------------------------
    @classmethod
    def load_bundled(cls) -> Taxonomy:
        """The compact copy shipped inside the package (cached per process)."""
        ...

    @classmethod
    def load(cls, path: str) -> Taxonomy:
        """A bundle file written by ``save``."""
        ...

    def save(self, path: str) -> None: ...

    # --- tables (read-only views) ------------------------------------------------------------
    @property
    def concepts(self) -> pl.DataFrame: ...
    @property
    def labels(self) -> pl.DataFrame: ...
    @property
    def descriptions(self) -> pl.DataFrame: ...
    @property
    def broader_relations(self) -> pl.DataFrame: ...
    @property
    def occupation_skills(self) -> pl.DataFrame: ...
    @property
    def skill_relations(self) -> pl.DataFrame: ...

    # --- lookups -----------------------------------------------------------------------------
    def __contains__(self, uri: object) -> bool: ...
    def concept(self, uri: str) -> Concept: ...
    def uris(self, kind: ConceptKind) -> tuple[str, ...]:
        """All URIs of one kind, sorted (stable order for matrix indices)."""
        ...

    def labels_of(
        self, uri: str, *, lang: str | None = None, label_types: Sequence[LabelType] | None = None
    ) -> tuple[Label, ...]: ...
    def preferred_label(self, uri: str, *, lang: str = "en") -> str:
        """Preferred label in ``lang``, falling back to English."""
        ...

    def description(self, uri: str, *, lang: str = "en") -> str | None: ...
    def languages(self) -> tuple[str, ...]: ...

    # --- hierarchy and relations -------------------------------------------------------------
    def broader(self, uri: str) -> tuple[str, ...]:
        """Direct broader concepts (skill groups for skills, ISCO groups for occupations)."""
        ...

    def narrower(self, uri: str) -> tuple[str, ...]: ...
    def ancestors(self, uri: str) -> tuple[str, ...]:
        """All broader concepts up to the roots, nearest first, no duplicates."""
        ...

    def occupation_skills_of(
        self, occupation_uri: str, *, relation: Relation | None = None
    ) -> tuple[str, ...]:
        """Skill URIs of an occupation (essential, optional or both), sorted."""
        ...

    def related_skills(self, skill_uri: str) -> tuple[tuple[str, Relation], ...]:
        """ESCO skill→skill relations from this skill: (related URI, relation), sorted."""
        ...

    def stats(self) -> dict[str, object]:
        """Version, concept counts per kind and label counts per language (for ``info``)."""
        ...

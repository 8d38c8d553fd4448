"""The ESCO taxonomy held in memory: concepts, labels per language, hierarchy and relations.

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
``UnknownConceptError`` for a URI the taxonomy does not hold. The tables are checked once, at
construction (columns, allowed values, unique concept URIs, every URI a known concept); the
lookup indices are built lazily, on first use, so that loading the bundle stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import polars as pl

from skills_taxonomy import bundle
from skills_taxonomy.errors import TaxonomyFormatError, UnknownConceptError
from skills_taxonomy.tables import (
    CONCEPT_KINDS,
    LABEL_TYPES,
    RELATIONS,
    SCHEMAS,
    ConceptKind,
    LabelType,
    Relation,
    check_tables,
)

__all__ = [
    "BUNDLED_PATH",
    "CONCEPT_KINDS",
    "LABEL_TYPES",
    "RELATIONS",
    "UNKNOWN_VERSION",
    "Concept",
    "ConceptKind",
    "Label",
    "LabelType",
    "Relation",
    "Taxonomy",
]

#: The compact copy that ships inside the package (written by ``mobility-match taxonomy build``).
BUNDLED_PATH = Path(__file__).parent / "data" / "esco.zip"

#: The version of a taxonomy whose source does not say.
UNKNOWN_VERSION = "ESCO (unknown version)"

_LABEL_RANK = {label_type: rank for rank, label_type in enumerate(LABEL_TYPES)}


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
        dropped: Mapping[str, int] | None = None,
    ) -> None:
        """``dropped``: rows the importer left out, per source file (unknown concept URIs)."""
        tables = {
            "concepts": concepts,
            "labels": labels,
            "descriptions": descriptions,
            "broader": broader,
            "occupation_skills": occupation_skills,
            "skill_relations": skill_relations,
        }
        self._tables = check_tables(tables)
        self.version = version
        self.sources: tuple[str, ...] = tuple(sources)
        self.dropped: Mapping[str, int] = MappingProxyType(dict(sorted((dropped or {}).items())))

        table = self._tables["concepts"]
        self._row: dict[str, int] = {uri: row for row, uri in enumerate(table["uri"].to_list())}
        self._columns: dict[str, list[str | None]] = {
            column: table[column].to_list() for column in SCHEMAS["concepts"][1:]
        }

    # --- loading ---------------------------------------------------------------------------
    @classmethod
    def load_bundled(cls) -> Taxonomy:
        """The compact copy shipped inside the package (cached per process)."""
        return _load_bundled()

    @classmethod
    def load(cls, path: str | Path) -> Taxonomy:
        """A bundle file written by ``save``."""
        meta, tables = bundle.read_bundle(path)
        dropped = meta.get("dropped", {})
        sources = meta.get("sources", [])
        return cls(
            version=str(meta.get("version", UNKNOWN_VERSION)),
            sources=[str(s) for s in sources] if isinstance(sources, list) else [],
            dropped={str(k): int(v) for k, v in dropped.items()}
            if isinstance(dropped, dict)
            else {},
            **tables,
        )

    def save(self, path: str | Path) -> None:
        """Write a bundle: the same input taxonomy always gives the same bytes."""
        meta: dict[str, object] = {
            "version": self.version,
            "sources": list(self.sources),
            "dropped": dict(self.dropped),
        }
        bundle.write_bundle(path, meta=meta, tables=self._tables)

    # --- tables (cheap copies: changing one leaves the taxonomy as it was) ---------------------
    @property
    def concepts(self) -> pl.DataFrame:
        return self._tables["concepts"].clone()

    @property
    def labels(self) -> pl.DataFrame:
        return self._tables["labels"].clone()

    @property
    def descriptions(self) -> pl.DataFrame:
        return self._tables["descriptions"].clone()

    @property
    def broader_relations(self) -> pl.DataFrame:
        return self._tables["broader"].clone()

    @property
    def occupation_skills(self) -> pl.DataFrame:
        return self._tables["occupation_skills"].clone()

    @property
    def skill_relations(self) -> pl.DataFrame:
        return self._tables["skill_relations"].clone()

    # --- lookups -----------------------------------------------------------------------------
    def __contains__(self, uri: object) -> bool:
        return isinstance(uri, str) and uri in self._row

    def __len__(self) -> int:
        return len(self._row)

    def __repr__(self) -> str:
        return f"<Taxonomy {self.version}: {len(self._row)} concepts>"

    def _check(self, uri: str) -> int:
        row = self._row.get(uri)
        if row is None:
            raise UnknownConceptError(uri)
        return row

    def concept(self, uri: str) -> Concept:
        row = self._check(uri)
        c = self._columns
        return Concept(
            uri=uri,
            kind=c["kind"][row],  # type: ignore[arg-type]  # checked at construction
            code=c["code"][row],
            isco_group=c["isco_group"][row],
            skill_type=c["skill_type"][row],
            reuse_level=c["reuse_level"][row],
        )

    def kind_of(self, uri: str) -> ConceptKind:
        return self._columns["kind"][self._check(uri)]  # type: ignore[return-value]

    def uri_for_code(self, code: str, *, kind: ConceptKind) -> str | None:
        """The URI of the concept of ``kind`` with this code (e.g. ISCO "7212"), or None."""
        return self._by_code.get((kind, code))

    def uris(self, kind: ConceptKind) -> tuple[str, ...]:
        """All URIs of one kind, sorted (stable order for matrix indices)."""
        return self._uris_by_kind.get(kind, ())

    def index(self, kind: ConceptKind) -> dict[str, int]:
        """URI → position in ``uris(kind)``: row/column numbers for sparse matrices."""
        return dict(self._index_by_kind.get(kind, {}))

    def labels_of(
        self, uri: str, *, lang: str | None = None, label_types: Sequence[LabelType] | None = None
    ) -> tuple[Label, ...]:
        """Labels of a concept, by language, then preferred/alternative/hidden, then text."""
        self._check(uri)
        labels = self._label_cache.get(uri)
        if labels is None:
            langs, types, texts, rows = self._label_rows
            ordered = sorted(
                rows.get(uri, ()), key=lambda i: (langs[i], _LABEL_RANK[types[i]], texts[i])
            )
            labels = tuple(Label(uri, langs[i], types[i], texts[i]) for i in ordered)
            self._label_cache[uri] = labels
        if lang is None and label_types is None:
            return labels
        wanted = frozenset(LABEL_TYPES if label_types is None else label_types)
        return tuple(
            label
            for label in labels
            if (lang is None or label.lang == lang) and label.label_type in wanted
        )

    def preferred_label(self, uri: str, *, lang: str = "en") -> str:
        """Preferred label in ``lang``, falling back to English (then to any language, then
        to the URI itself for a concept without any preferred label)."""
        self._check(uri)
        by_lang = self._preferred.get(uri)
        if not by_lang:
            return uri
        return by_lang.get(lang) or by_lang.get("en") or next(iter(by_lang.values()))

    def description(self, uri: str, *, lang: str = "en") -> str | None:
        """Description in ``lang`` (no fallback), or None."""
        self._check(uri)
        return self._descriptions.get((uri, lang))

    def languages(self) -> tuple[str, ...]:
        """Languages that have at least one label, sorted."""
        return self._languages

    # --- hierarchy and relations -------------------------------------------------------------
    def broader(self, uri: str) -> tuple[str, ...]:
        """Direct broader concepts (skill groups for skills, ISCO groups for occupations)."""
        self._check(uri)
        return self._broader_map.get(uri, ())

    def narrower(self, uri: str) -> tuple[str, ...]:
        """Direct narrower concepts, sorted."""
        self._check(uri)
        return self._narrower_map.get(uri, ())

    def ancestors(self, uri: str) -> tuple[str, ...]:
        """All broader concepts up to the roots, nearest first, no duplicates."""
        self._check(uri)
        seen: dict[str, None] = {}
        frontier = [uri]
        while frontier:
            step: list[str] = []
            for current in frontier:
                for parent in self._broader_map.get(current, ()):
                    if parent != uri and parent not in seen:
                        seen[parent] = None
                        step.append(parent)
            frontier = step
        return tuple(seen)

    def occupation_skills_of(
        self, occupation_uri: str, *, relation: Relation | None = None
    ) -> tuple[str, ...]:
        """Skill URIs of an occupation (essential, optional or both), sorted.

        A concept that is not an occupation has none.
        """
        self._check(occupation_uri)
        by_relation = self._occupation_skill_map.get(occupation_uri)
        if by_relation is None:
            return ()
        if relation is not None:
            return by_relation.get(relation, ())
        return tuple(sorted({*by_relation.get("essential", ()), *by_relation.get("optional", ())}))

    def related_skills(self, skill_uri: str) -> tuple[tuple[str, Relation], ...]:
        """ESCO skill→skill relations from this skill: (related URI, relation), sorted."""
        self._check(skill_uri)
        return self._related_map.get(skill_uri, ())

    def stats(self) -> dict[str, object]:
        """Version, concept counts per kind and label counts per language (for ``info``)."""
        kinds = dict(self.concepts.group_by("kind").len().iter_rows())
        label_counts: dict[str, dict[str, int]] = {}
        for lang, label_type, n in (
            self.labels.group_by("lang", "label_type").len().sort("lang", "label_type").iter_rows()
        ):
            label_counts.setdefault(lang, {})[label_type] = n
        for counts in label_counts.values():
            counts["total"] = sum(counts.values())
        relations = dict(self.occupation_skills.group_by("relation").len().iter_rows())
        return {
            "version": self.version,
            "concepts": {kind: int(kinds.get(kind, 0)) for kind in CONCEPT_KINDS},
            "labels": label_counts,
            "descriptions": dict(self.descriptions.group_by("lang").len().sort("lang").iter_rows()),
            "broader_relations": self.broader_relations.height,
            "occupation_skills": {r: int(relations.get(r, 0)) for r in RELATIONS},
            "skill_relations": self.skill_relations.height,
            "sources": list(self.sources),
            "dropped": dict(self.dropped),
        }

    # --- lazily built indices ----------------------------------------------------------------
    # polars groups the rows; Python sorts each (small) group: sorting long URI strings in
    # polars costs more than that.
    @cached_property
    def _languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._tables["labels"]["lang"].unique().to_list()))

    @cached_property
    def _uris_by_kind(self) -> dict[str, tuple[str, ...]]:
        grouped = _group(self.concepts, "kind", "uri")
        return {kind: tuple(sorted(uris)) for kind, uris in grouped.items()}

    @cached_property
    def _by_code(self) -> dict[tuple[str, str], str]:
        """(kind, code) → URI; a code held by several concepts of a kind maps to the first."""
        found: dict[tuple[str, str], str] = {}
        for uri, kind, code in _columns(self.concepts.drop_nulls("code"), "uri", "kind", "code"):
            if (kind, code) not in found or uri < found[kind, code]:
                found[kind, code] = uri
        return found

    @cached_property
    def _index_by_kind(self) -> dict[str, dict[str, int]]:
        return {
            kind: {uri: i for i, uri in enumerate(uris)}
            for kind, uris in self._uris_by_kind.items()
        }

    @cached_property
    def _label_rows(self) -> tuple[list[str], list[LabelType], list[str], dict[str, list[int]]]:
        """The labels' lang, label_type and text columns, and each URI's row numbers."""
        grouped = self.labels.select("uri").with_row_index("row").group_by("uri").agg("row")
        rows = dict(zip(grouped["uri"].to_list(), grouped["row"].to_list(), strict=True))
        langs, types, texts = (self.labels[c].to_list() for c in ("lang", "label_type", "text"))
        return langs, types, texts, rows

    @cached_property
    def _label_cache(self) -> dict[str, tuple[Label, ...]]:
        """uri → all its labels in ``labels_of`` order, filled on demand."""
        return {}

    @cached_property
    def _preferred(self) -> dict[str, dict[str, str]]:
        """uri → lang → preferred label (the smallest text if a file gave several)."""
        frame = self.labels.filter(pl.col("label_type") == "preferred")
        preferred: dict[str, dict[str, str]] = {}
        for uri, lang, text in _columns(frame, "uri", "lang", "text"):
            by_lang = preferred.setdefault(uri, {})
            if lang not in by_lang or text < by_lang[lang]:
                by_lang[lang] = text
        return preferred

    @cached_property
    def _descriptions(self) -> dict[tuple[str, str], str]:
        found: dict[tuple[str, str], str] = {}
        for uri, lang, text in _columns(self.descriptions, "uri", "lang", "text"):
            if (uri, lang) not in found or text < found[uri, lang]:
                found[uri, lang] = text
        return found

    @cached_property
    def _broader_map(self) -> dict[str, tuple[str, ...]]:
        grouped = _group(self.broader_relations, "uri", "broader_uri")
        return {uri: tuple(sorted(set(values))) for uri, values in grouped.items()}

    @cached_property
    def _narrower_map(self) -> dict[str, tuple[str, ...]]:
        grouped = _group(self.broader_relations, "broader_uri", "uri")
        return {uri: tuple(sorted(set(values))) for uri, values in grouped.items()}

    @cached_property
    def _occupation_skill_map(self) -> dict[str, dict[str, tuple[str, ...]]]:
        grouped = self.occupation_skills.group_by("occupation_uri", "relation").agg("skill_uri")
        found: dict[str, dict[str, tuple[str, ...]]] = {}
        columns = _columns(grouped, "occupation_uri", "relation", "skill_uri")
        for occupation, relation, skills in columns:
            found.setdefault(occupation, {})[relation] = tuple(sorted(set(skills)))
        return found

    @cached_property
    def _related_map(self) -> dict[str, tuple[tuple[str, Relation], ...]]:
        grouped = self.skill_relations.group_by("skill_uri").agg("related_uri", "relation")
        return {
            skill: tuple(sorted(set(zip(related, relations, strict=True))))
            for skill, related, relations in _columns(
                grouped, "skill_uri", "related_uri", "relation"
            )
        }


def _columns(frame: pl.DataFrame, *names: str) -> zip[tuple[Any, ...]]:
    """Rows of the named columns as tuples (faster than ``iter_rows`` for a few columns)."""
    return zip(*(frame[name].to_list() for name in names), strict=True)


def _group(frame: pl.DataFrame, key: str, value: str) -> dict[str, list[str]]:
    """key → its values (unsorted), grouped by polars."""
    grouped = frame.group_by(key).agg(value)
    return dict(zip(grouped[key].to_list(), grouped[value].to_list(), strict=True))


@functools.cache
def _load_bundled() -> Taxonomy:
    if not BUNDLED_PATH.is_file():
        raise TaxonomyFormatError(
            f"the bundled taxonomy {BUNDLED_PATH} is missing; "
            "rebuild it with `mobility-match taxonomy build --from DIR`"
        )
    return Taxonomy.load(BUNDLED_PATH)

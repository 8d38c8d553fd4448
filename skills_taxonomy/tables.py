"""The six tables of a taxonomy: their schemas, and the checks every taxonomy passes once.

See ``skills_taxonomy.taxonomy`` for what each column means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import polars as pl

from skills_taxonomy.errors import TaxonomyFormatError

__all__ = [
    "CONCEPT_KINDS",
    "LABEL_TYPES",
    "RELATIONS",
    "SCHEMAS",
    "ConceptKind",
    "LabelType",
    "Relation",
    "check_tables",
    "conform_table",
]

ConceptKind = Literal["skill", "occupation", "isco_group", "skill_group"]
LabelType = Literal["preferred", "alternative", "hidden"]
Relation = Literal["essential", "optional"]

CONCEPT_KINDS: tuple[ConceptKind, ...] = get_args(ConceptKind)
LABEL_TYPES: tuple[LabelType, ...] = get_args(LabelType)
RELATIONS: tuple[Relation, ...] = get_args(Relation)

#: Column order of each table (the schemas documented in ``skills_taxonomy.taxonomy``).
SCHEMAS: dict[str, tuple[str, ...]] = {
    "concepts": ("uri", "kind", "code", "isco_group", "skill_type", "reuse_level"),
    "labels": ("uri", "lang", "label_type", "text"),
    "descriptions": ("uri", "lang", "text"),
    "broader": ("uri", "broader_uri"),
    "occupation_skills": ("occupation_uri", "skill_uri", "relation"),
    "skill_relations": ("skill_uri", "related_uri", "relation"),
}
#: Columns that may hold nulls; every other column must be filled.
_NULLABLE = frozenset({"code", "isco_group", "skill_type", "reuse_level"})
#: Columns that must hold a known concept URI.
_URI_COLUMNS: dict[str, tuple[str, ...]] = {
    "labels": ("uri",),
    "descriptions": ("uri",),
    "broader": ("uri", "broader_uri"),
    "occupation_skills": ("occupation_uri", "skill_uri"),
    "skill_relations": ("skill_uri", "related_uri"),
}
_ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("concepts", "kind"): CONCEPT_KINDS,
    ("labels", "label_type"): LABEL_TYPES,
    ("occupation_skills", "relation"): RELATIONS,
    ("skill_relations", "relation"): RELATIONS,
}


def conform_table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with exactly the documented columns of table ``name``, in order, as strings.

    Raises ``TaxonomyFormatError`` naming the table and column when one is missing, is not a
    string column, holds a null where none is allowed, or holds a value outside its set.
    """
    columns = SCHEMAS[name]
    for column in columns:
        if column not in frame.columns:
            raise TaxonomyFormatError(f"table {name!r}: missing column {column!r}")
        dtype = frame.schema[column]
        if dtype not in (pl.String, pl.Null):
            raise TaxonomyFormatError(
                f"table {name!r}: column {column!r} must hold strings, got {dtype}"
            )
    table = frame.select(pl.col(c).cast(pl.String) for c in columns)
    for column in columns:
        if column not in _NULLABLE and table[column].null_count():
            raise TaxonomyFormatError(f"table {name!r}: column {column!r} holds nulls")
        allowed = _ALLOWED.get((name, column))
        if allowed is not None:
            bad = table.filter(~pl.col(column).is_in(allowed))[column]
            if len(bad):
                raise TaxonomyFormatError(
                    f"table {name!r}: column {column!r} holds {bad[0]!r}; expected one of "
                    f"{', '.join(allowed)}"
                )
    return table


def check_tables(tables: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """All six tables conformed (``conform_table``), with concept URIs unique and every URI
    column referring to a concept; raises ``TaxonomyFormatError`` naming what is wrong."""
    conformed = {name: conform_table(name, tables[name]) for name in SCHEMAS}
    known = conformed["concepts"].select("uri")
    duplicated = known.filter(pl.col("uri").is_duplicated())["uri"]
    if len(duplicated):
        raise TaxonomyFormatError(f"table 'concepts': URI {duplicated[0]!r} appears twice")
    for name, uri_columns in _URI_COLUMNS.items():
        for column in uri_columns:
            # an anti-join is about twice as fast as is_in on these high-cardinality columns
            values = conformed[name].select(column)
            unknown = values.join(known, left_on=column, right_on="uri", how="anti")[column]
            if len(unknown):
                raise TaxonomyFormatError(
                    f"table {name!r}: column {column!r} refers to {unknown[0]!r}, "
                    "which is not in 'concepts'"
                )
    return conformed

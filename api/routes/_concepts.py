"""Concept rows of candidates and openings: normalise text, store the rows, read them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, delete, select

from api.models.candidates import CandidateConcept
from api.models.concepts import NormalisedConceptPublic
from api.models.openings import OpeningConcept
from api.normalisation import NormalisedItem, ProfileKind, ProfileNormaliser

__all__ = ["concepts_of", "normalise", "replace_concepts"]

_TABLES: dict[ProfileKind, tuple[type[CandidateConcept] | type[OpeningConcept], str]] = {
    "candidate": (CandidateConcept, "candidate_id"),
    "opening": (OpeningConcept, "opening_id"),
}


def normalise(
    normaliser: ProfileNormaliser | None, *, kind: ProfileKind, texts: Mapping[str, str]
) -> Sequence[NormalisedItem] | None:
    """What ``normaliser`` makes of one profile's ``texts``; None without a normaliser.

    Call it before writing, so that the database is not locked while text is normalised."""
    if normaliser is None:
        return None
    [items] = normaliser.normalise_profiles(kind=kind, profiles=[texts])
    unknown = {item.field for item in items} - texts.keys()
    if unknown:
        raise ValueError(f"the normaliser returned items of unknown fields {sorted(unknown)}")
    return items


def replace_concepts(
    session: Session,
    *,
    kind: ProfileKind,
    owner_id: int,
    items: Sequence[NormalisedItem] | None,
) -> None:
    """Replace the owner's concept rows with ``items``; None (no normaliser) keeps them."""
    if items is None:
        return
    table, owner_column = _TABLES[kind]
    owner: Any = getattr(table, owner_column)
    session.exec(delete(table).where(owner == owner_id))
    for item in items:
        row: dict[str, Any] = {
            owner_column: owner_id,
            "field": item.field,
            "source_text": item.source_text[:500],
            "concept_uri": item.concept_uri,
            "confidence": item.confidence,
            "method": item.method,
            "level": item.level,
        }
        session.add(table(**row))


def concepts_of(
    session: Session, *, kind: ProfileKind, owner_ids: Sequence[int]
) -> dict[int, list[NormalisedConceptPublic]]:
    """Concept rows per owner id, in insertion order (one query for all owners)."""
    table, owner_column = _TABLES[kind]
    owner: Any = getattr(table, owner_column)
    result: dict[int, list[NormalisedConceptPublic]] = {i: [] for i in owner_ids}
    if owner_ids:
        rows = session.exec(select(table).where(owner.in_(owner_ids)).order_by(col(table.id))).all()
        for row in rows:
            result[getattr(row, owner_column)].append(NormalisedConceptPublic.model_validate(row))
    return result

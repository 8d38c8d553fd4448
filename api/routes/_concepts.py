"""Concept rows of candidates and openings: normalise into them, read them back per owner."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, delete, select

from api.models.candidates import CandidateConcept
from api.models.concepts import NormalisedConceptPublic
from api.models.openings import OpeningConcept
from api.normalisation import ProfileKind, ProfileNormaliser

__all__ = ["concepts_of", "normalise_into"]

_TABLES: dict[ProfileKind, tuple[type[CandidateConcept] | type[OpeningConcept], str]] = {
    "candidate": (CandidateConcept, "candidate_id"),
    "opening": (OpeningConcept, "opening_id"),
}


def normalise_into(
    session: Session,
    *,
    kind: ProfileKind,
    owner_id: int,
    texts: Mapping[str, str],
    normaliser: ProfileNormaliser | None,
) -> None:
    """Replace the owner's concept rows with what ``normaliser`` makes of ``texts``; without a
    normaliser the profile stays text only."""
    if normaliser is None:
        return
    table, owner_column = _TABLES[kind]
    owner: Any = getattr(table, owner_column)
    session.exec(delete(table).where(owner == owner_id))
    [items] = normaliser.normalise_profiles(kind=kind, profiles=[texts])
    for item in items:
        if item.field not in texts:
            raise ValueError(f"the normaliser returned an item of unknown field {item.field!r}")
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

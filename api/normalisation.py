"""Where the normaliser plugs into the service.

The app holds one ``ProfileNormaliser`` (built in ``lifespan`` from the ESCO index, or None
while none is configured — then profiles are stored as text only). Routes and imports hand it
the free-text fields of candidates or openings (one or many at a time) and store what it
returns as concept rows (``api.routes._concepts.normalise_into``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = ["NormalisedItem", "ProfileKind", "ProfileNormaliser"]

ProfileKind = Literal["candidate", "opening"]


@dataclass(frozen=True, slots=True)
class NormalisedItem:
    """One item of one field, as the normaliser resolved it (``concept_uri`` None: unresolved)."""

    field: str
    source_text: str
    concept_uri: str | None
    confidence: float
    method: str
    level: str | None = None


class ProfileNormaliser(Protocol):
    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        """Per profile (field name → text as written), the items found in it, in order.

        Batched so that a bulk import normalises all its rows in one call."""
        ...

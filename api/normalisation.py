"""Where the normaliser plugs into the service.

The app holds one ``ProfileNormaliser`` (built in ``lifespan`` from the ESCO index, or None
while none is configured — then profiles are stored as text only). Routes and imports hand it
the free-text fields of a candidate or an opening and store what it returns as concept rows.
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
    def normalise_profile(
        self, *, kind: ProfileKind, texts: Mapping[str, str]
    ) -> Sequence[NormalisedItem]:
        """The items found in ``texts`` (field name → text as written), in order."""
        ...

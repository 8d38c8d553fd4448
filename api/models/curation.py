"""The curation queue and the programme's synonyms.

A skill or occupation text the normaliser could not resolve waits as a ``CurationItem`` (one per
kind and folded text, ``synonym_key``) until programme staff confirm a concept for it — it then
becomes a ``Synonym``, used by every later normalisation — or dismiss it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models._types import ApiModel, UtcDatetime, utc_now

__all__ = [
    "CurationConfirm",
    "CurationGuess",
    "CurationItem",
    "CurationItemPublic",
    "CurationKind",
    "CurationStatus",
    "Synonym",
]

CurationKind = Literal["skill", "occupation"]
CurationStatus = Literal["open", "confirmed", "dismissed"]


class Synonym(SQLModel, table=True):
    """A staff-confirmed mapping: text (compared folded) → ESCO concept."""

    __tablename__ = "synonyms"
    __table_args__ = (UniqueConstraint("kind", "text_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: CurationKind = Field(sa_type=String(16))
    text: str = Field(max_length=500)
    text_key: str = Field(max_length=500)
    concept_uri: str = Field(max_length=255)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class CurationItem(SQLModel, table=True):
    __tablename__ = "curation_items"
    __table_args__ = (UniqueConstraint("kind", "text_key"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: CurationKind = Field(sa_type=String(16))
    #: The text as first seen, and its folded form (``synonym_key``).
    text: str = Field(max_length=500)
    text_key: str = Field(max_length=500)
    lang: str | None = Field(default=None, max_length=8)
    #: The normaliser's best guesses: [{"uri", "label", "score"}], best first.
    guesses: list[dict[str, object]] = Field(default_factory=list, sa_type=JSON)
    status: CurationStatus = Field(default="open", sa_type=String(16), index=True)
    concept_uri: str | None = Field(default=None, max_length=255)
    decided_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class CurationGuess(SQLModel):
    uri: str = Field(max_length=255)
    label: str = Field(max_length=500)
    score: float = Field(ge=0.0, le=1.0)


class CurationItemPublic(SQLModel):
    id: int
    kind: CurationKind
    text: str = Field(max_length=500)
    lang: str | None = Field(default=None, max_length=8)
    guesses: list[CurationGuess] = Field(default_factory=list, max_length=10)
    status: CurationStatus
    concept_uri: str | None = Field(default=None, max_length=255)
    #: Candidates and openings whose profile holds this text unresolved.
    candidates: int = Field(default=0, ge=0)
    openings: int = Field(default=0, ge=0)
    #: Concept rows re-resolved by a confirmation (in the answer to ``confirm`` only).
    updated_rows: int | None = Field(default=None, ge=0)
    created_at: UtcDatetime
    decided_at: UtcDatetime | None = None


class CurationConfirm(ApiModel):
    """The ESCO concept the text means: one of the guesses, or a correction."""

    concept_uri: str = Field(min_length=1, max_length=255)

"""Openings: vacancies and training places, owned by the employer that posted them.

As for candidates, the requirements are kept as written (free text) and as normalised rows
(``OpeningConcept``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from sqlalchemy import DateTime, String, UniqueConstraint
from sqlmodel import Field

from api.models._types import ApiModel, CountryCode, UtcDatetime, utc_now
from api.models.concepts import NormalisedConceptBase, NormalisedConceptPublic

__all__ = [
    "OPENING_TEXT_FIELDS",
    "Opening",
    "OpeningBase",
    "OpeningConcept",
    "OpeningCreate",
    "OpeningKind",
    "OpeningPublic",
    "OpeningTextField",
    "OpeningUpdate",
]

#: A job vacancy, or a place in a (pre-departure, vocational or language) training programme.
OpeningKind = Literal["job", "training"]
#: The free-text requirement fields the normaliser reads.
OpeningTextField = Literal["occupation", "essential_skills", "optional_skills", "languages"]
OPENING_TEXT_FIELDS: tuple[OpeningTextField, ...] = get_args(OpeningTextField)

MAX_CAPACITY = 10_000


class OpeningBase(ApiModel):
    #: The employer's own reference, unique within the employer.
    external_ref: str | None = Field(default=None, min_length=1, max_length=64)
    kind: OpeningKind = Field(default="job", sa_type=String(16))
    title: str = Field(min_length=1, max_length=200)
    occupation: str = Field(default="", max_length=500)
    essential_skills: str = Field(default="", max_length=5000)
    optional_skills: str = Field(default="", max_length=5000)
    #: Minimum language levels as written, e.g. "German B1".
    languages: str = Field(default="", max_length=1000)
    #: Number of places; 0 is allowed (a paused opening).
    capacity: int = Field(default=1, ge=0, le=MAX_CAPACITY)
    #: Destination country.
    country: CountryCode = Field(sa_type=String(2), index=True)
    city: str | None = Field(default=None, max_length=100)
    start_date: date | None = None
    description: str = Field(default="", max_length=10_000)


class Opening(OpeningBase, table=True):
    __tablename__ = "openings"
    __table_args__ = (UniqueConstraint("employer_id", "external_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class OpeningConcept(NormalisedConceptBase, table=True):
    __tablename__ = "opening_concepts"

    id: int | None = Field(default=None, primary_key=True)
    opening_id: int = Field(foreign_key="openings.id", index=True, ondelete="CASCADE")
    field: OpeningTextField = Field(sa_type=String(32))


class OpeningCreate(OpeningBase):
    pass


class OpeningUpdate(ApiModel):
    """Fields to change; a field left out is kept. Required fields may not be set to null."""

    external_ref: str | None = Field(default=None, min_length=1, max_length=64)
    kind: OpeningKind = Field(default=None)
    title: str = Field(default=None, min_length=1, max_length=200)
    occupation: str = Field(default=None, max_length=500)
    essential_skills: str = Field(default=None, max_length=5000)
    optional_skills: str = Field(default=None, max_length=5000)
    languages: str = Field(default=None, max_length=1000)
    capacity: int = Field(default=None, ge=0, le=MAX_CAPACITY)
    country: CountryCode = Field(default=None)
    city: str | None = Field(default=None, max_length=100)
    start_date: date | None = None
    description: str = Field(default=None, max_length=10_000)


class OpeningPublic(OpeningBase):
    id: int
    employer_id: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    concepts: list[NormalisedConceptPublic] = Field(default_factory=list, max_length=1000)

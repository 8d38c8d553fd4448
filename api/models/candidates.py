"""Candidates, owned by the agency that submitted them.

Personal fields (name, birth date, contact) are seen by their agency and programme staff only;
employers get ``CandidatePseudonymised``. The profile is kept twice: the raw text fields as the
agency wrote them, and the normalised rows (``CandidateConcept``) the normaliser made of them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models._types import ApiModel, CountryCode, Email, PastDate, Phone, UtcDatetime, utc_now
from api.models.concepts import NormalisedConceptBase, NormalisedConceptPublic

__all__ = [
    "CANDIDATE_TEXT_FIELDS",
    "Candidate",
    "CandidateBase",
    "CandidateConcept",
    "CandidateCreate",
    "CandidatePseudonymised",
    "CandidatePublic",
    "CandidateTextField",
    "CandidateUpdate",
    "Gender",
]

Gender = Literal["female", "male", "other", "undisclosed"]
#: The free-text profile fields the normaliser reads.
CandidateTextField = Literal["skills", "job_titles", "diplomas", "languages"]
CANDIDATE_TEXT_FIELDS: tuple[CandidateTextField, ...] = get_args(CandidateTextField)

MAX_DESTINATIONS = 30


class CandidateBase(ApiModel):
    #: The agency's own reference for the candidate, unique within the agency.
    external_ref: str | None = Field(default=None, min_length=1, max_length=64)
    full_name: str = Field(min_length=1, max_length=200)
    #: Indexed: duplicate detection looks candidates up by birth date (``api.duplicates``).
    birth_date: PastDate | None = Field(default=None, index=True)
    email: Email | None = Field(default=None, sa_type=String(254))
    phone: Phone | None = Field(default=None, sa_type=String(32))
    gender: Gender | None = Field(default=None, sa_type=String(16))
    #: Country of origin.
    country: CountryCode = Field(sa_type=String(2), index=True)
    skills: str = Field(default="", max_length=5000)
    job_titles: str = Field(default="", max_length=2000)
    diplomas: str = Field(default="", max_length=2000)
    languages: str = Field(default="", max_length=1000)
    experience_years: int | None = Field(default=None, ge=0, le=60)
    #: Destination countries the candidate would accept; empty means any.
    destinations: list[CountryCode] = Field(
        default_factory=list, max_length=MAX_DESTINATIONS, sa_type=JSON
    )
    #: The candidate agreed to be shown, not pseudonymised, to employers who shortlist them.
    consent_to_share: bool = False


class Candidate(CandidateBase, table=True):
    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("agency_id", "external_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class CandidateConcept(NormalisedConceptBase, table=True):
    __tablename__ = "candidate_concepts"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidates.id", index=True, ondelete="CASCADE")
    field: CandidateTextField = Field(sa_type=String(32))


class CandidateCreate(CandidateBase):
    pass


class CandidateUpdate(ApiModel):
    """Fields to change; a field left out is kept. Required fields may not be set to null."""

    external_ref: str | None = Field(default=None, min_length=1, max_length=64)
    full_name: str = Field(default=None, min_length=1, max_length=200)
    birth_date: PastDate | None = None
    email: Email | None = Field(default=None, sa_type=String(254))
    phone: Phone | None = Field(default=None, sa_type=String(32))
    gender: Gender | None = None
    country: CountryCode = Field(default=None)
    skills: str = Field(default=None, max_length=5000)
    job_titles: str = Field(default=None, max_length=2000)
    diplomas: str = Field(default=None, max_length=2000)
    languages: str = Field(default=None, max_length=1000)
    experience_years: int | None = Field(default=None, ge=0, le=60)
    destinations: list[CountryCode] = Field(default=None, max_length=MAX_DESTINATIONS)
    consent_to_share: bool = Field(default=None)


class CandidatePublic(CandidateBase):
    id: int
    agency_id: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    concepts: list[NormalisedConceptPublic] = Field(default_factory=list, max_length=1000)


class CandidatePseudonymised(SQLModel):
    """What an employer may see of a candidate who has not consented: no name, contact or
    birth date; the id is replaced by a pseudonym specific to that employer."""

    pseudonym: str = Field(max_length=64)
    country: CountryCode
    experience_years: int | None = None
    concepts: list[NormalisedConceptPublic] = Field(default_factory=list, max_length=1000)

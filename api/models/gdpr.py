"""Erasures of candidates (GDPR Art. 17) and the notices owed to the employers who had received
their data (Art. 19).

An ``Erasure`` keeps no personal data: the candidate is named by a pseudonymous subject (an
HMAC of its id under the server secret, ``api.gdpr.erasure_subject``), and ``counts`` says how
many rows of each table were deleted or cleared. An ``ErasureNotice`` tells one employer that a
candidate it knew under its own pseudonym (``api.pseudonyms``) was erased, and what it had
received of them, so that it can erase its own copies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import JSON, DateTime, String
from sqlmodel import Field, SQLModel

from api.models._types import UtcDatetime, utc_now
from api.models.candidates import CandidatePublic

__all__ = [
    "AuditEntry",
    "CandidateExport",
    "Disclosure",
    "Erasure",
    "ErasureNotice",
    "ErasureNoticePublic",
    "ErasurePublic",
    "ErasureTrigger",
    "MatchExplanation",
    "UnassignedExplanation",
]

_MANY = 1_000_000


#: Why a candidate was erased: on request (``DELETE ...?erase=true``), by its agency deleting
#: it, or by the retention run.
ErasureTrigger = Literal["request", "deletion", "retention"]


class Erasure(SQLModel, table=True):
    __tablename__ = "erasures"

    id: int | None = Field(default=None, primary_key=True)
    #: ``"E-"`` + 20 base32 characters: the same candidate always gives the same subject.
    subject: str = Field(max_length=32, index=True)
    trigger: ErasureTrigger = Field(sa_type=String(16))
    #: The user who asked (None: the retention run).
    erased_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    erased_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    #: ``{table: {"deleted": n, "cleared": n}}``, plus ``notices``.
    counts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class ErasureNotice(SQLModel, table=True):
    __tablename__ = "erasure_notices"

    id: int | None = Field(default=None, primary_key=True)
    erasure_id: int = Field(foreign_key="erasures.id", index=True, ondelete="CASCADE")
    employer_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    #: The candidate's pseudonym for this employer (what its answers showed).
    pseudonym: str = Field(max_length=64)
    #: What the employer had received: ``["shortlist", "placement", "identity"]`` (sorted).
    received: list[str] = Field(default_factory=list, sa_type=JSON)
    #: When the employer first received any of it (None when unknown).
    first_received_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class ErasureNoticePublic(BaseModel):
    id: int
    employer_id: int
    pseudonym: str = PydanticField(max_length=64)
    received: list[Annotated[str, PydanticField(max_length=32)]] = PydanticField(max_length=16)
    first_received_at: UtcDatetime | None
    erased_at: UtcDatetime


class ErasurePublic(BaseModel):
    id: int
    subject: str = PydanticField(max_length=32)
    trigger: ErasureTrigger
    erased_by: int | None
    erased_at: UtcDatetime
    counts: dict[str, Any]


# --- the access export ------------------------------------------------------------------------


class Disclosure(BaseModel):
    """Employer ``employer_id`` received the candidate's data as ``what`` (``shortlist``: the
    pseudonymised profile and the match explanation of a published round; ``placement``;
    ``identity``: name and contact), through row ``row_id`` of ``table``, at ``at``."""

    employer_id: int
    employer_name: str = PydanticField(max_length=200)
    #: How the candidate appeared to that employer.
    pseudonym: str = PydanticField(max_length=64)
    what: str = PydanticField(max_length=64)
    table: str = PydanticField(max_length=64)
    row_id: int | None
    at: UtcDatetime | None


class MatchExplanation(BaseModel):
    """A proposed pair of a round involving the candidate, and why it scored what it did."""

    round_id: int
    opening_id: int
    employer_id: int
    score: float
    #: Whether the round was published to the employer.
    published: bool
    explanation: dict[str, Any]


class UnassignedExplanation(BaseModel):
    """A round that left the candidate unassigned, and why."""

    round_id: int
    reason: str = PydanticField(max_length=64)
    details: dict[str, Any]


class AuditEntry(BaseModel):
    id: int
    at: UtcDatetime
    actor_user_id: int | None
    action: str = PydanticField(max_length=64)
    payload: dict[str, Any]


class CandidateExport(BaseModel):
    """Everything stored about a candidate (GDPR Art. 15): the profile, every row of every
    table that refers to them (``records``, by table), which employers received what and when,
    the explanation of every match, and the audit records about them."""

    exported_at: UtcDatetime
    candidate: CandidatePublic
    records: dict[str, Annotated[list[dict[str, Any]], PydanticField(max_length=_MANY)]]
    disclosures: list[Disclosure] = PydanticField(max_length=_MANY)
    matches: list[MatchExplanation] = PydanticField(max_length=_MANY)
    unassigned: list[UnassignedExplanation] = PydanticField(max_length=_MANY)
    audit: list[AuditEntry] = PydanticField(max_length=_MANY)

"""Bulk imports: the answers kept for ``Idempotency-Key`` replays, and the possible
duplicates an import flagged (never merged)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models._types import UtcDatetime, utc_now

__all__ = ["DuplicateFlag", "DuplicateFlagPublic", "ImportRecord"]


class ImportRecord(SQLModel, table=True):
    """The first answer to an import sent with an ``Idempotency-Key`` (keys are per
    organisation)."""

    __tablename__ = "import_records"
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    idempotency_key: str = Field(max_length=200)
    #: Hex SHA-256 of the route, content type and body: a retry must send the same.
    body_sha256: str = Field(sa_type=String(64))
    status_code: int
    response: dict[str, Any] = Field(sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class DuplicateFlag(SQLModel, table=True):
    """``candidate_id`` (just imported) looks like ``duplicate_of_id`` (another agency's): same
    normalised name and birth date. For programme staff to review."""

    __tablename__ = "duplicate_flags"

    id: int | None = Field(default=None, primary_key=True)
    candidate_id: int = Field(foreign_key="candidates.id", index=True, ondelete="CASCADE")
    duplicate_of_id: int = Field(foreign_key="candidates.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class DuplicateFlagPublic(SQLModel):
    id: int
    candidate_id: int
    duplicate_of_id: int
    created_at: UtcDatetime

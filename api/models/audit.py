"""The audit log: an append-only, hash-chained record of rounds, decisions, stage changes,
identity reveals and erasures.

Each record's ``hash`` is the SHA-256 of the previous record's hash and the record's own
canonical JSON (``api.audit.record_digest``), so changing, removing or re-ordering any record
breaks the chain from there on (``mobility-match audit verify`` names the first broken record).
Payloads hold pseudonymous ids only (database ids, hashes, codes) — never names, contact
details, birth dates or free-text reasons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlmodel import Field, SQLModel

from api.models._types import utc_now

__all__ = ["GENESIS_HASH", "AuditRecord"]

#: The ``prev_hash`` of the first record.
GENESIS_HASH = "0" * 64


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_log"

    #: Assigned by ``api.audit.append`` (previous id + 1), so that it is part of the hash.
    id: int = Field(primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    #: The user who acted (no foreign key: the log outlives users); None for the system.
    actor_user_id: int | None = None
    #: What happened, dotted: ``round.created``, ``decision.override``, ``stage.changed``…
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=64, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)

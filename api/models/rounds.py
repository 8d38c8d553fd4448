"""Matching rounds run by programme staff, and their results.

A ``Round`` holds its policy, status and progress, and — once done — the whole result as JSON
(metrics, manifest, unassigned candidates with reasons). Each assignment is also a row of
``RoundAssignment`` (with the opening's employer), so that an employer's rows are one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, DateTime, String
from sqlmodel import Field, SQLModel

from api.models._types import UtcDatetime, utc_now
from api.models.candidates import CandidatePseudonymised

__all__ = [
    "FINAL_STATUSES",
    "ROUND_STATUSES",
    "EmployerAssignmentPublic",
    "PolicyBody",
    "Round",
    "RoundAssignment",
    "RoundAssignmentPublic",
    "RoundPublic",
    "RoundStatus",
]

RoundStatus = Literal["queued", "running", "done", "failed", "stopped"]
ROUND_STATUSES: tuple[RoundStatus, ...] = get_args(RoundStatus)
#: Statuses a round never leaves.
FINAL_STATUSES: frozenset[RoundStatus] = frozenset({"done", "failed", "stopped"})


class Round(SQLModel, table=True):
    __tablename__ = "rounds"

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    status: RoundStatus = Field(default="queued", sa_type=String(16), index=True)
    #: The last stage the worker finished (``matching.round.STAGES``), and its share of them.
    stage: str | None = Field(default=None, max_length=32)
    progress: float = 0.0
    policy: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    candidates: int = 0
    openings: int = 0
    #: Why the round failed (the core's message naming the record and field).
    error: str | None = Field(default=None, max_length=2000)
    #: ``{"metrics", "manifest", "unassigned"}`` once done.
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    output_hash: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class RoundAssignment(SQLModel, table=True):
    __tablename__ = "round_assignments"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    candidate_id: int = Field(foreign_key="candidates.id", index=True, ondelete="CASCADE")
    opening_id: int = Field(foreign_key="openings.id", index=True, ondelete="CASCADE")
    employer_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    score: float
    #: ``matching.Explanation`` as JSON.
    explanation: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class PolicyBody(BaseModel):
    """A round's policy: the JSON of a ``mobility-match round --policy`` file (every key
    optional; see ``matching.Policy``). Checked by the matching core itself."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {"mode": "optimal", "shortlist": 50, "seed": 0, "weights": {}},
        },
    )


class RoundPublic(BaseModel):
    id: int
    status: RoundStatus
    stage: str | None = PydanticField(max_length=32)
    progress: float
    policy: dict[str, Any]
    candidates: int
    openings: int
    error: str | None = PydanticField(max_length=2000)
    #: ``metrics``, ``manifest`` and ``unassigned`` (with reasons), once done.
    result: dict[str, Any] | None
    output_hash: str | None = PydanticField(max_length=80)
    created_at: UtcDatetime
    started_at: UtcDatetime | None
    finished_at: UtcDatetime | None


class RoundAssignmentPublic(BaseModel):
    """An assignment as programme staff see it."""

    candidate_id: int
    opening_id: int
    employer_id: int
    score: float
    explanation: dict[str, Any]


class EmployerAssignmentPublic(BaseModel):
    """An assignment to one of the employer's openings: the candidate pseudonymised."""

    opening_id: int
    candidate: CandidatePseudonymised
    score: float
    explanation: dict[str, Any]

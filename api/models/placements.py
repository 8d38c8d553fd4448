"""Placements: a published pair (candidate, opening) and where it stands in the pipeline.

Publishing a round opens one placement per published pair at stage ``shortlisted``; from there
it moves through ``STAGES`` in order, or closes with a ``CloseReason``. ``candidate_id`` is
set to NULL when the candidate is erased, so that aggregate counts per stage survive erasure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.models._types import utc_now

__all__ = [
    "CLOSE_REASONS",
    "STAGES",
    "CloseReason",
    "Placement",
    "Stage",
]

Stage = Literal[
    "shortlisted",
    "interview",
    "offer",
    "training",
    "visa",
    "departed",
    "placed",
    "returned",
    "reintegrated",
    "closed",
]
#: Every stage, in pipeline order; ``closed`` ends a placement early (with a reason).
STAGES: tuple[Stage, ...] = get_args(Stage)

CloseReason = Literal[
    "withdrew", "declined", "visa_refused", "no_show", "not_selected", "erased", "other"
]
CLOSE_REASONS: tuple[CloseReason, ...] = get_args(CloseReason)


class Placement(SQLModel, table=True):
    __tablename__ = "placements"
    __table_args__ = (UniqueConstraint("round_id", "candidate_id", "opening_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    #: NULL once the candidate is erased (the row stays for the aggregate counts).
    candidate_id: int | None = Field(
        default=None, foreign_key="candidates.id", index=True, ondelete="SET NULL"
    )
    opening_id: int = Field(foreign_key="openings.id", index=True, ondelete="CASCADE")
    employer_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    score: float
    stage: Stage = Field(default="shortlisted", sa_type=String(16), index=True)
    close_reason: CloseReason | None = Field(default=None, sa_type=String(16))
    created_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))

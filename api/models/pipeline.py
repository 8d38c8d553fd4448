"""A placement's history: one ``StageEvent`` per move through the pipeline (``api.pipeline``).

Each event keeps where the placement was, where it went, the reason code of a close (or of an
employer's answer) and the free-text reason, who moved it and when. The free text stays here:
the audit log carries the event id and the codes only.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import DateTime, String
from sqlmodel import Field, SQLModel

from api.models._types import ApiModel, UtcDatetime, utc_now
from api.models.placements import STAGES, CloseReason, Stage

__all__ = [
    "MAX_REASON_LENGTH",
    "NextReserve",
    "PlacementPublic",
    "StageEvent",
    "StageEventPublic",
    "StageHistory",
    "StageMove",
    "StageMoveResult",
]

#: Longest free-text reason of a move.
MAX_REASON_LENGTH = 1000


class StageEvent(SQLModel, table=True):
    __tablename__ = "stage_events"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placements.id", index=True, ondelete="CASCADE")
    from_stage: Stage = Field(sa_type=String(16))
    to_stage: Stage = Field(sa_type=String(16))
    #: The close reason when ``to_stage`` is ``closed``; else None.
    reason_code: CloseReason | None = Field(default=None, sa_type=String(16))
    #: Free text (may quote people): never copied into logs or the audit log.
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    by_user_id: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class StageMove(ApiModel):
    """Move a placement forward to ``to``, or close it (``to="closed"``) with a
    ``reason_code`` and a free-text ``reason``.

    Who may do what: an employer answers for its own placements (``interview``, ``offer``, or
    ``closed`` with ``declined``); an agency withdraws its own candidate (``closed`` with
    ``withdrew``); programme staff make any move.
    """

    to: Stage = Field(sa_type=String(16))
    reason_code: CloseReason | None = Field(default=None, sa_type=String(16))
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)


class StageEventPublic(BaseModel):
    id: int
    from_stage: Stage
    to_stage: Stage
    reason_code: CloseReason | None
    #: The free-text reason (programme staff only; null for others).
    reason: str | None = PydanticField(default=None, max_length=MAX_REASON_LENGTH)
    by_user_id: int | None = None
    at: UtcDatetime


class StageHistory(BaseModel):
    """A placement's moves, oldest first (forward-only: at most one per stage)."""

    items: list[StageEventPublic] = PydanticField(max_length=len(STAGES))


class PlacementPublic(BaseModel):
    """A placement as its reader may see it: programme staff and the candidate's agency get
    the candidate id; the employer gets its own pseudonym of the candidate instead."""

    id: int
    round_id: int
    opening_id: int
    employer_id: int
    candidate_id: int | None
    #: The employer's pseudonym of the candidate (employers only).
    candidate_pseudonym: str | None = PydanticField(default=None, max_length=32)
    score: float
    stage: Stage
    close_reason: CloseReason | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class NextReserve(BaseModel):
    """The best-ranked reserve of the freed place who is not already in the pipeline."""

    candidate_id: int
    #: Their score at the freed opening, and their rank in its reserve list (1 = first).
    score: float
    rank: int = PydanticField(ge=1)
    #: Where the round placed them instead (None when it left them unassigned).
    assigned_opening_id: int | None


class StageMoveResult(BaseModel):
    placement: PlacementPublic
    event: StageEventPublic
    #: After a close, as programme staff see it: who could take the freed place (None when
    #: nobody is left, and always None for employers and agencies).
    next_reserve: NextReserve | None = None

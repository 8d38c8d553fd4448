"""Human review of a round: staff decisions on proposed pairs, and the round's publication.

A ``Decision`` is one staff act on a proposed pair (candidate, opening) of a round: ``accept``,
``reject``, ``lock`` or ``override`` (put ``new_candidate_id`` on the place instead of
``candidate_id``), always with a ``reason_code`` and a free-text ``reason``. Decisions are
never updated: a new one on the same pair supersedes the previous (the latest wins, the
history stays). The free-text reason lives here only — the audit log records the code.

A ``RoundPublication`` records that staff published a round to its employers: who, when, the
lowest impact ratio found by the fairness gate and, when the gate applied, the sign-off reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import JSON, DateTime, String
from sqlmodel import Field, SQLModel

from api.models._types import ApiModel, UtcDatetime, utc_now

__all__ = [
    "DECISION_ACTIONS",
    "MAX_REASON",
    "REASON_CODES",
    "Decision",
    "DecisionAction",
    "DecisionCreate",
    "DecisionPublic",
    "LowestImpact",
    "Move",
    "PairState",
    "PublishBody",
    "PublishResult",
    "ReasonCode",
    "ReoptimisationResult",
    "RoundPublication",
]

DecisionAction = Literal["accept", "reject", "override", "lock"]
DECISION_ACTIONS: tuple[DecisionAction, ...] = get_args(DecisionAction)

#: Why staff decided what they did (the free-text ``reason`` says more).
ReasonCode = Literal[
    "good_match",
    "skills_gap",
    "language_gap",
    "candidate_unavailable",
    "candidate_preference",
    "employer_requirement",
    "better_candidate",
    "fairness",
    "data_error",
    "other",
]
REASON_CODES: tuple[ReasonCode, ...] = get_args(ReasonCode)
#: Longest free-text reason (decisions and sign-offs).
MAX_REASON = 1000
_MAX_ID = 2**31 - 1


class Decision(SQLModel, table=True):
    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", index=True, ondelete="CASCADE")
    #: The proposed pair's candidate; NULL once the candidate is erased.
    candidate_id: int | None = Field(
        default=None, foreign_key="candidates.id", index=True, ondelete="SET NULL"
    )
    opening_id: int = Field(foreign_key="openings.id", index=True, ondelete="CASCADE")
    action: DecisionAction = Field(sa_type=String(16))
    reason_code: ReasonCode = Field(sa_type=String(32))
    reason: str = Field(max_length=MAX_REASON)
    #: ``override`` only: the candidate put on the place instead (NULL once erased).
    new_candidate_id: int | None = Field(
        default=None, foreign_key="candidates.id", index=True, ondelete="SET NULL"
    )
    #: ``override`` only: the new pair's score and explanation (``matching.Explanation``).
    new_score: float | None = None
    new_explanation: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    decided_by: int | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="SET NULL"
    )
    decided_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))


class RoundPublication(SQLModel, table=True):
    __tablename__ = "round_publications"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="rounds.id", unique=True, ondelete="CASCADE")
    published_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    published_at: datetime = Field(default_factory=utc_now, sa_type=DateTime(timezone=True))
    #: Pairs published (one placement each).
    pairs: int = 0
    #: The lowest impact ratio over gender, origin and agency (None: no group reported).
    lowest_dimension: str | None = Field(default=None, max_length=16)
    lowest_group: str | None = Field(default=None, max_length=64)
    lowest_ratio: float | None = None
    threshold: float
    #: Staff's recorded sign-off, when the lowest ratio was below the threshold.
    sign_off_reason: str | None = Field(default=None, max_length=MAX_REASON)


# --- what goes in and out -------------------------------------------------------------------


class DecisionCreate(ApiModel):
    """A decision on a proposed pair of the round. ``override`` puts ``new_candidate_id`` on
    the place instead of ``candidate_id``; every decision needs a reason."""

    candidate_id: int = Field(ge=1, le=_MAX_ID)
    opening_id: int = Field(ge=1, le=_MAX_ID)
    action: DecisionAction
    reason_code: ReasonCode
    reason: str = Field(max_length=MAX_REASON)
    new_candidate_id: int | None = Field(default=None, ge=1, le=_MAX_ID)


class DecisionPublic(BaseModel):
    id: int
    round_id: int
    candidate_id: int | None
    opening_id: int
    action: DecisionAction
    reason_code: ReasonCode
    reason: str = PydanticField(max_length=MAX_REASON)
    new_candidate_id: int | None
    new_score: float | None
    decided_by: int | None
    decided_at: UtcDatetime


class PairState(BaseModel):
    """A pair under review. ``proposed``: a pair of the round's result (else a pair an override
    put in). ``decision``: the latest decision on the proposed pair (for an overridden-in pair,
    the override). ``state``: ``undecided``, the action, or ``overridden_in``; ``published``:
    whether publishing would publish it."""

    model_config = ConfigDict(frozen=True)

    candidate_id: int | None
    opening_id: int
    employer_id: int
    score: float | None
    proposed: bool
    state: Literal["undecided", "accept", "reject", "override", "lock", "overridden_in"]
    published: bool
    decision: DecisionPublic | None
    #: The decisions on this pair before the latest, oldest first.
    history: list[DecisionPublic] = PydanticField(default_factory=list, max_length=10_000)


class PublishBody(ApiModel):
    """``sign_off_reason``: required when the fairness gate applies (an impact ratio below
    the programme's threshold); recorded with the publication."""

    sign_off_reason: str | None = Field(default=None, max_length=MAX_REASON)


class LowestImpact(BaseModel):
    dimension: str = PydanticField(max_length=16)
    group: str = PydanticField(max_length=64)
    ratio: float


class PublishResult(BaseModel):
    round_id: int
    published: int
    rejected: int
    placement_ids: list[int] = PydanticField(max_length=1_000_000)
    threshold: float
    lowest_impact: LowestImpact | None
    signed_off: bool
    published_at: UtcDatetime


class Move(BaseModel):
    """A candidate the re-optimisation moved: from ``before`` to ``after`` (None: unassigned),
    the core's ``reason`` and, when a staff decision caused it, that decision."""

    candidate_id: int
    before: int | None
    after: int | None
    score_before: float | None
    score_after: float | None
    reason: str = PydanticField(max_length=32)
    decision_id: int | None = None
    decided_by: int | None = None
    reason_code: ReasonCode | None = None


class ReoptimisationResult(BaseModel):
    round_id: int
    previous_round_id: int
    placed: int
    kept: int
    moves: list[Move] = PydanticField(max_length=1_000_000)

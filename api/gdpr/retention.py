"""Retention: the candidates whose data may be kept no longer (``mobility-match retention
run`` erases them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from api.models._types import utc_now
from api.models.candidates import Candidate
from api.models.placements import Placement
from api.models.rounds import Round, RoundAssignment

__all__ = ["CLOSED_STAGES", "retention_due"]

#: Stages after which a placement is over.
CLOSED_STAGES = frozenset({"closed", "returned", "reintegrated"})


def retention_due(
    session: Session,
    *,
    retention_days: int,
    now: datetime | None = None,
    among: Sequence[int] | None = None,
) -> list[int]:
    """Candidates to erase: every placement of theirs over (closed, returned, reintegrated) —
    or none at all — and nothing about them changed for ``retention_days``: their profile,
    their placements, the rounds that proposed them. ``among``: only these are considered."""
    cutoff = (now or utc_now()) - timedelta(days=retention_days)
    open_placements = select(Placement.candidate_id).where(
        col(Placement.candidate_id).is_not(None), col(Placement.stage).not_in(CLOSED_STAGES)
    )
    recent_placements = select(Placement.candidate_id).where(
        col(Placement.candidate_id).is_not(None), col(Placement.updated_at) >= cutoff
    )
    recent_rounds = (
        select(RoundAssignment.candidate_id)
        .join(Round, col(Round.id) == col(RoundAssignment.round_id))
        .where(col(Round.created_at) >= cutoff)
    )
    only = [] if among is None else [col(Candidate.id).in_(list(among))]
    rows = session.exec(
        select(Candidate.id)
        .where(
            col(Candidate.updated_at) < cutoff,
            col(Candidate.id).not_in(open_placements),
            col(Candidate.id).not_in(recent_placements),
            col(Candidate.id).not_in(recent_rounds),
            *only,
        )
        .order_by(col(Candidate.id))
    ).all()
    return [int(i) for i in rows if i is not None]

"""The pipeline after the match: who may move a placement to which stage, the moves
themselves (recorded as ``StageEvent`` rows and audited), and the reserve who could take a
place freed by a drop-out.

Who may do what is the table ``PERMISSIONS``, nothing else: an employer answers for its own
placements (``interview``, ``offer``, or a close ``declined`` — "decline with reason" — up to
the offer); an agency withdraws its own candidate (a close ``withdrew``, until departure);
programme staff make any move (a close ``erased`` is the erasure's own, never a request's).
Moves go forward only (stages may be skipped), or close the placement; a closed or
``reintegrated`` placement never moves again.

A close frees the place: ``next_reserve`` names the best-ranked candidate of the round's
reserve list for the opening (``matching.reserves``, stored with the round's result) who is
still on record, has no open placement anywhere and never had one at this opening; staff may
put that reserve on the place (``take_reserve``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, true
from sqlmodel import Session, col, select

from api import audit
from api.auth import AccessRole, Principal
from api.errors import (
    ConflictError,
    FieldProblem,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)
from api.models._types import utc_now
from api.models.candidates import Candidate
from api.models.openings import Opening
from api.models.pipeline import NextReserve, StageEvent, StageMove
from api.models.placements import CLOSE_REASONS, STAGES, CloseReason, Placement, Stage
from api.models.rounds import Round

__all__ = [
    "PERMISSIONS",
    "MoveNotAllowedError",
    "Permission",
    "load_placement",
    "move_stage",
    "next_reserve",
    "placements_visible_to",
    "take_reserve",
]

#: The pipeline in order, without ``closed``.
PIPELINE: tuple[Stage, ...] = tuple(s for s in STAGES if s != "closed")
#: Stages a placement never leaves.
FINAL: frozenset[Stage] = frozenset({"closed", "reintegrated"})


@dataclass(frozen=True, slots=True)
class Permission:
    """The forward moves a role may make (target stages), the close reasons it may give, and
    the last stage from which it may close a placement."""

    stages: frozenset[Stage]
    closes: frozenset[CloseReason]
    close_until: Stage = "departed"


_STAFF = Permission(
    stages=frozenset(PIPELINE[1:]),
    closes=frozenset(r for r in CLOSE_REASONS if r != "erased"),
)

#: Who may move a placement where — the one place this is decided.
PERMISSIONS: Mapping[AccessRole, Permission] = {
    "employer": Permission(
        stages=frozenset({"interview", "offer"}),
        closes=frozenset({"declined"}),
        close_until="offer",
    ),
    "agency": Permission(stages=frozenset(), closes=frozenset({"withdrew"})),
    "staff": _STAFF,
    "admin": _STAFF,
}


class MoveNotAllowedError(ForbiddenError):
    """The caller's role may not make this move (403, naming the move)."""

    def __init__(self, message: str) -> None:
        ServiceError.__init__(self, message)


# --- reading ----------------------------------------------------------------------------------


def placements_visible_to(principal: Principal) -> ColumnElement[bool]:
    """Placements the principal may read: the programme all, an employer those at its
    openings, an agency those of its candidates."""
    if principal.kind == "programme":
        return true()
    if principal.kind == "employer":
        return col(Placement.employer_id) == principal.organisation_id
    own = select(Candidate.id).where(col(Candidate.agency_id) == principal.organisation_id)
    return col(Placement.candidate_id).in_(own)


def load_placement(session: Session, placement_id: int, principal: Principal) -> Placement:
    """The placement, if the principal may read it; else 404 (another tenant's or missing)."""
    found = session.exec(
        select(Placement).where(col(Placement.id) == placement_id, placements_visible_to(principal))
    ).first()
    if found is None:
        raise NotFoundError("placement", placement_id)
    return found


# --- moves ------------------------------------------------------------------------------------


def _problem(field: str, msg: str) -> InvalidInputError:
    return InvalidInputError([FieldProblem(loc=("body", field), msg=msg)])


def _check_body(move: StageMove) -> str | None:
    """The stripped free-text reason; 422 naming the field when the move is malformed."""
    reason = move.reason.strip() if move.reason is not None else None
    if move.to == "closed":
        if move.reason_code is None:
            raise _problem("reason_code", "a close needs a reason code")
        if not reason:
            raise _problem("reason", "a close needs a reason (free text)")
    elif move.reason_code is not None:
        raise _problem("reason_code", "a reason code is given only with to='closed'")
    return reason or None


def _check_allowed(role: AccessRole, current: Stage, move: StageMove) -> None:
    """403 when the role may not make this move; 409 when the placement cannot make it."""
    permission = PERMISSIONS.get(role)
    if permission is None:
        raise MoveNotAllowedError(f"a {role} may not move placements")
    if move.to == "closed":
        assert move.reason_code is not None
        if move.reason_code not in permission.closes:
            allowed = ", ".join(sorted(permission.closes)) or "none"
            raise MoveNotAllowedError(
                f"a {role} may not close a placement as {move.reason_code!r} (allowed: {allowed})"
            )
    elif move.to not in permission.stages:
        allowed = ", ".join(s for s in PIPELINE if s in permission.stages) or "none"
        raise MoveNotAllowedError(
            f"a {role} may not move a placement to {move.to!r} (allowed: {allowed})"
        )
    if current in FINAL:
        raise ConflictError(f"the placement is {current}: it moves no more")
    if move.to == "closed":
        if PIPELINE.index(current) > PIPELINE.index(permission.close_until):
            raise ConflictError(
                f"the placement is at {current}: a {role} may close it only up to "
                f"{permission.close_until}"
            )
    elif PIPELINE.index(move.to) <= PIPELINE.index(current):
        raise ConflictError(
            f"the placement is at {current}: moves go forward only (not to {move.to})"
        )


def move_stage(
    session: Session, *, placement: Placement, move: StageMove, actor: Principal
) -> StageEvent:
    """Make ``move`` on ``placement`` for ``actor``: checked against ``PERMISSIONS`` and the
    placement's stage, recorded as a ``StageEvent`` and audited (``employer.answer`` for an
    employer, else ``stage.changed``). Flushed, not committed."""
    reason = _check_body(move)
    # Two moves of one placement at once: the second waits, then sees the first's stage.
    session.refresh(placement, with_for_update=True)
    _check_allowed(actor.access_role, placement.stage, move)
    assert placement.id is not None
    event = StageEvent(
        placement_id=placement.id,
        from_stage=placement.stage,
        to_stage=move.to,
        reason_code=move.reason_code,
        reason=reason,
        by_user_id=actor.user_id,
    )
    placement.stage = move.to
    placement.close_reason = move.reason_code
    placement.updated_at = event.at
    session.add(placement)
    session.add(event)
    session.flush()
    assert event.id is not None
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action="employer.answer" if actor.access_role == "employer" else "stage.changed",
        subject_type="placement",
        subject_id=placement.id,
        payload={
            "event_id": event.id,
            "round_id": placement.round_id,
            "opening_id": placement.opening_id,
            "candidate_id": placement.candidate_id,
            "from": event.from_stage,
            "to": event.to_stage,
            "reason_code": event.reason_code,
        },
    )
    return event


# --- reserves ---------------------------------------------------------------------------------


def _reserve_rows(session: Session, placement: Placement) -> list[Mapping[str, Any]]:
    found = session.get(Round, placement.round_id)
    result = (found.result if found is not None else None) or {}
    rows: list[Mapping[str, Any]] = result.get("reserves", {}).get(str(placement.opening_id), [])
    return rows


def _free_places(session: Session, opening_id: int, *, lock: bool = False) -> int:
    """Places of the opening not held by an open placement (``lock``: the opening's row is
    locked until the transaction ends, so two staff cannot fill one place twice)."""
    opening = session.get(Opening, opening_id, with_for_update=lock)
    if opening is None:
        return 0
    open_count = session.exec(
        select(func.count())
        .select_from(Placement)
        .where(col(Placement.opening_id) == opening_id, col(Placement.stage) != "closed")
    ).one()
    return max(opening.capacity - int(open_count), 0)


def next_reserve(
    session: Session, placement: Placement, *, lock: bool = False
) -> NextReserve | None:
    """The reserve who could take the place ``placement`` freed, or None when the round
    stored no reserve list, the list is exhausted, or the place was filled again.

    Skipped: reserves erased since the round, those with an open placement anywhere (they
    are in the pipeline already) and those who already had a placement at this opening."""
    if placement.stage != "closed":
        raise ConflictError("the placement is not closed: its place is not free")
    if _free_places(session, placement.opening_id, lock=lock) == 0:
        return None
    rows = _reserve_rows(session, placement)
    ids = [int(row["candidate"]) for row in rows]
    if not ids:
        return None
    existing = set(session.exec(select(Candidate.id).where(col(Candidate.id).in_(ids))).all())
    busy = set(
        session.exec(
            select(Placement.candidate_id).where(
                col(Placement.candidate_id).in_(ids),
                (col(Placement.stage) != "closed")
                | (col(Placement.opening_id) == placement.opening_id),
            )
        ).all()
    )
    for rank, row in enumerate(rows, start=1):
        candidate_id = int(row["candidate"])
        if candidate_id in existing and candidate_id not in busy:
            assigned = row.get("assigned_to")
            return NextReserve(
                candidate_id=candidate_id,
                score=float(row["score"]),
                rank=rank,
                assigned_opening_id=None if assigned is None else int(assigned),
            )
    return None


def take_reserve(session: Session, *, placement: Placement, actor: Principal) -> Placement:
    """Put the next reserve (``next_reserve``) on the place ``placement`` freed: a new
    placement at ``shortlisted``, audited ``stage.changed``. 409 when nobody is left or the
    place is taken. Flushed, not committed."""
    reserve = next_reserve(session, placement, lock=True)
    if reserve is None:
        raise ConflictError("no reserve is left for this place, or the place is filled")
    now = utc_now()
    created = Placement(
        round_id=placement.round_id,
        candidate_id=reserve.candidate_id,
        opening_id=placement.opening_id,
        employer_id=placement.employer_id,
        score=reserve.score,
        created_at=now,
        updated_at=now,
    )
    session.add(created)
    session.flush()
    assert created.id is not None
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action="stage.changed",
        subject_type="placement",
        subject_id=created.id,
        payload={
            "round_id": created.round_id,
            "opening_id": created.opening_id,
            "candidate_id": created.candidate_id,
            "from": None,
            "to": created.stage,
            "replaces_placement_id": placement.id,
            "reserve_rank": reserve.rank,
        },
    )
    return created

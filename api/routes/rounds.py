"""``/rounds``: programme staff run matching rounds and read their results; an employer reads
the assignments to its own openings, candidates pseudonymised.

A round runs in a worker process (``api.round_runner``): creating one answers at once with
the queued round; ``GET /rounds/{id}`` shows its status and progress, ``POST .../stop`` halts
it. Routes only load, convert and store: the matching is the core's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from sqlmodel import Session, col

from api.auth import Principal
from api.db import open_session
from api.deps import MAX_ID, Allow, EngineDep, SessionDep
from api.errors import (
    ERROR_RESPONSES,
    ConflictError,
    FieldProblem,
    InvalidInputError,
    NotFoundError,
)
from api.models.rounds import (
    EmployerAssignmentPublic,
    PolicyBody,
    Round,
    RoundAssignment,
    RoundAssignmentPublic,
    RoundPublic,
)
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page, paginate
from api.review import published_rows
from api.round_runner import RoundRunner
from api.round_store import queue_round
from api.round_views import employer_assignments
from matching.errors import InvalidRecordError
from matching.io import policy_from_dict

__all__ = ["router"]

router = APIRouter(prefix="/rounds", tags=["rounds"], responses=ERROR_RESPONSES)

ROUND_RUNNERS = Allow("staff", "admin")
EMPLOYERS = Allow("employer")
Staff = Annotated[Principal, Depends(ROUND_RUNNERS)]
Employer = Annotated[Principal, Depends(EMPLOYERS)]
RoundId = Annotated[int, Path(ge=1, le=MAX_ID, description="A round id")]


async def get_runner(request: Request) -> RoundRunner:
    runner: RoundRunner = request.app.state.round_runner
    return runner


RunnerDep = Annotated[RoundRunner, Depends(get_runner)]


def _load(session: Session, round_id: int) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFoundError("round", round_id)
    return found


def _public(found: Round) -> RoundPublic:
    return RoundPublic.model_validate(found, from_attributes=True)


def _checked_policy(body: dict[str, Any]) -> dict[str, Any]:
    """The policy JSON, once the core accepts it; else 422 naming the field."""
    try:
        policy_from_dict(body)
    except InvalidRecordError as exc:
        path = exc.field.split(".")
        if path[0] not in body and path[0] in body.get("weights", {}):
            path.insert(0, "weights")  # the core names a weight without its prefix
        loc: tuple[str | int, ...] = ("body", *path)
        raise InvalidInputError([FieldProblem(loc=loc, msg=exc.problem)]) from None
    return body


@router.post("", status_code=202)
def create_round(
    body: PolicyBody, principal: Staff, session: SessionDep, runner: RunnerDep
) -> RoundPublic:
    """Queue a round over the programme's current candidates and openings."""
    policy = _checked_policy(body.model_dump())
    found = queue_round(session, policy=policy, created_by=principal.user_id)
    session.commit()
    session.refresh(found)
    assert found.id is not None
    runner.submit(found.id)
    return _public(found)


@router.get("")
def list_rounds(
    _principal: Staff, session: SessionDep, limit: Limit = DEFAULT_PAGE_SIZE, after: After = None
) -> Page[RoundPublic]:
    rows, total, next_after = paginate(session, Round, where=[], limit=limit, after=after)
    return Page[RoundPublic](items=[_public(r) for r in rows], total=total, next_after=next_after)


@router.get("/{round_id}")
def read_round(round_id: RoundId, _principal: Staff, session: SessionDep) -> RoundPublic:
    """Status (queued, running, done, failed, stopped), progress and, once done, the metrics,
    manifest and unassigned candidates with their reasons."""
    return _public(_load(session, round_id))


@router.post("/{round_id}/stop")
def stop_round(
    round_id: RoundId, _principal: Staff, engine: EngineDep, runner: RunnerDep
) -> RoundPublic:
    """Stop a queued or running round (its worker process is terminated; nothing is stored)."""
    # No request session: the runner writes the status itself (one writer at a time).
    with open_session(engine, mode="read") as session:
        found = _load(session, round_id)
    if not runner.stop(round_id) and found.status in ("done", "failed"):
        raise ConflictError(f"round {round_id} has already finished ({found.status})")
    with open_session(engine, mode="read") as session:
        return _public(_load(session, round_id))


@router.get("/{round_id}/assignments")
def list_assignments(
    round_id: RoundId,
    _principal: Staff,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
) -> Page[RoundAssignmentPublic]:
    """Every assignment of the round with its explanation."""
    _load(session, round_id)
    rows, total, next_after = paginate(
        session,
        RoundAssignment,
        where=[col(RoundAssignment.round_id) == round_id],
        limit=limit,
        after=after,
    )
    return Page[RoundAssignmentPublic](
        items=[RoundAssignmentPublic.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        next_after=next_after,
    )


@router.get("/{round_id}/my-assignments")
def list_my_assignments(
    round_id: RoundId,
    principal: Employer,
    request: Request,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
) -> Page[EmployerAssignmentPublic]:
    """The published pairs of the employer's own openings, candidates pseudonymised (a round
    staff have not published is a 404: nothing reaches an employer before)."""
    _load(session, round_id)
    rows, total, next_after = published_rows(
        session, round_id, employer_id=principal.organisation_id, limit=limit, after=after
    )
    secret: bytes = request.app.state.pseudonym_secret
    return Page[EmployerAssignmentPublic](
        items=employer_assignments(
            session, rows, secret=secret, employer_id=principal.organisation_id
        ),
        total=total,
        next_after=next_after,
    )

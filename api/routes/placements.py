"""``/placements``: the pipeline after the match (``api.pipeline``) and the consent-gated
identity reveal (``api.consent``).

Programme staff read every placement; an employer those at its openings, the candidate
pseudonymised; an agency those of its candidates. Each moves them as ``api.pipeline.PERMISSIONS``
allows. After a close, staff are shown the next reserve for the freed place and may put that
reserve on it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlmodel import col, select

from api.auth import Principal
from api.consent import reveal_identity
from api.db import open_session
from api.deps import MAX_ID, Allow, EngineDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.models.consent import IdentityPublic
from api.models.pipeline import (
    NextReserve,
    PlacementPublic,
    StageEvent,
    StageEventPublic,
    StageHistory,
    StageMove,
    StageMoveResult,
)
from api.models.placements import Placement, Stage
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page, paginate
from api.pipeline import (
    load_placement,
    move_stage,
    next_reserve,
    placements_visible_to,
    take_reserve,
)
from api.pseudonyms import pseudonym

__all__ = ["router"]

router = APIRouter(prefix="/placements", tags=["placements"], responses=ERROR_RESPONSES)

READERS = Allow("agency", "employer", "staff", "admin")
STAFF = Allow("staff", "admin")
EMPLOYERS = Allow("employer")
Reader = Annotated[Principal, Depends(READERS)]
Staff = Annotated[Principal, Depends(STAFF)]
Employer = Annotated[Principal, Depends(EMPLOYERS)]
PlacementId = Annotated[int, Path(ge=1, le=MAX_ID, description="A placement id")]


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.pseudonym_secret
    return secret


def readable_placement(
    placement_id: PlacementId, principal: Reader, session: SessionDep
) -> Placement:
    return load_placement(session, placement_id, principal)


def staff_placement(placement_id: PlacementId, principal: Staff, session: SessionDep) -> Placement:
    return load_placement(session, placement_id, principal)


Readable = Annotated[Placement, Depends(readable_placement)]
StaffReadable = Annotated[Placement, Depends(staff_placement)]


def _public(placement: Placement, principal: Principal, secret: bytes) -> PlacementPublic:
    """Employers get their pseudonym of the candidate instead of the id."""
    public = PlacementPublic.model_validate(placement, from_attributes=True)
    if principal.kind != "employer":
        return public
    alias = (
        None
        if placement.candidate_id is None
        else pseudonym(
            secret, employer_id=principal.organisation_id, candidate_id=placement.candidate_id
        )
    )
    return public.model_copy(update={"candidate_id": None, "candidate_pseudonym": alias})


def _event_public(event: StageEvent, principal: Principal) -> StageEventPublic:
    """The free-text reason and who moved it are shown to programme staff only."""
    public = StageEventPublic.model_validate(event, from_attributes=True)
    if principal.kind == "programme":
        return public
    return public.model_copy(update={"reason": None, "by_user_id": None})


@router.get("")
def list_placements(
    principal: Reader,
    request: Request,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
    round_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    opening_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    stage: Annotated[Stage | None, Query()] = None,
) -> Page[PlacementPublic]:
    conditions = [placements_visible_to(principal)]
    if round_id is not None:
        conditions.append(col(Placement.round_id) == round_id)
    if opening_id is not None:
        conditions.append(col(Placement.opening_id) == opening_id)
    if stage is not None:
        conditions.append(col(Placement.stage) == stage)
    rows, total, next_after = paginate(
        session, Placement, where=conditions, limit=limit, after=after
    )
    secret = _secret(request)
    return Page[PlacementPublic](
        items=[_public(row, principal, secret) for row in rows],
        total=total,
        next_after=next_after,
    )


@router.get("/{placement_id}")
def read_placement(placement: Readable, principal: Reader, request: Request) -> PlacementPublic:
    return _public(placement, principal, _secret(request))


@router.get("/{placement_id}/events")
def list_stage_events(placement: Readable, principal: Reader, session: SessionDep) -> StageHistory:
    """The placement's moves, oldest first."""
    events = session.exec(
        select(StageEvent)
        .where(col(StageEvent.placement_id) == placement.id)
        .order_by(col(StageEvent.id))
    ).all()
    return StageHistory(items=[_event_public(e, principal) for e in events])


@router.post("/{placement_id}/stage")
def move_placement(
    body: StageMove,
    placement: Readable,
    principal: Reader,
    request: Request,
    session: SessionDep,
) -> StageMoveResult:
    """Move the placement forward, or close it with a reason code and a reason. Who may make
    which move: see ``api.pipeline.PERMISSIONS`` (403 otherwise); backward moves are 409."""
    event = move_stage(session, placement=placement, move=body, actor=principal)
    reserve = (
        next_reserve(session, placement)
        if placement.stage == "closed" and principal.kind == "programme"
        else None
    )
    result = StageMoveResult(
        placement=_public(placement, principal, _secret(request)),
        event=_event_public(event, principal),
        next_reserve=reserve,
    )
    session.commit()
    return result


@router.get("/{placement_id}/next-reserve")
def read_next_reserve(placement: StaffReadable, session: SessionDep) -> NextReserve | None:
    """Who could take the place this closed placement freed (null when nobody is left or the
    place is filled again); 409 while the placement is open."""
    return next_reserve(session, placement)


@router.post("/{placement_id}/next-reserve", status_code=201)
def place_next_reserve(
    placement: StaffReadable, principal: Staff, request: Request, session: SessionDep
) -> PlacementPublic:
    """Put the next reserve on the freed place: a new placement at ``shortlisted``."""
    created = take_reserve(session, placement=placement, actor=principal)
    public = _public(created, principal, _secret(request))
    session.commit()
    return public


@router.get("/{placement_id}/identity")
def read_identity(
    placement_id: PlacementId, principal: Employer, request: Request, engine: EngineDep
) -> IdentityPublic:
    """The candidate's name and contact, for the employer of this open placement, while a
    consent of the candidate covers it (403 otherwise). Every reveal is recorded and
    audited."""
    # A GET that writes: its own write transaction (the request session would be read-only).
    with open_session(engine, mode="write") as session:
        found = reveal_identity(
            session, placement_id=placement_id, actor=principal, secret=_secret(request)
        )
        session.commit()
    return found

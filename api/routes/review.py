"""``/rounds/{id}/decisions``, ``/publish``, ``/reoptimise``: programme staff review a finished
round — decide on each proposed pair (with a reason), publish it to the employers (behind the
fairness gate), re-optimise it after their decisions. The work is ``api.review``'s and
``api.reoptimisation``'s; routes load, call and commit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel
from pydantic import Field as PydanticField

from api.auth import Principal
from api.deps import MAX_ID, Allow, EngineDep, SessionDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.models.review import (
    DecisionCreate,
    DecisionPublic,
    PairState,
    PublishBody,
    PublishResult,
    ReoptimisationResult,
)
from api.reoptimisation import reoptimise_round
from api.review import decide, publication, publish, review_state
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["router"]

router = APIRouter(prefix="/rounds", tags=["review"], responses=ERROR_RESPONSES)

REVIEWERS = Allow("staff", "admin")
Staff = Annotated[Principal, Depends(REVIEWERS)]
RoundId = Annotated[int, Path(ge=1, le=MAX_ID, description="A round id")]


class ReviewState(BaseModel):
    """Every proposed pair with its latest decision, then the pairs overrides put in."""

    round_id: int
    published: bool
    undecided: int
    pairs: list[PairState] = PydanticField(max_length=1_000_000)


@router.post("/{round_id}/decisions", status_code=201)
def create_decision(
    round_id: RoundId,
    body: DecisionCreate,
    principal: Staff,
    session: SessionDep,
    request: Request,
) -> DecisionPublic:
    """Accept, reject, lock or override (``new_candidate_id`` takes the place) a proposed
    pair, with a reason code and a reason; the latest decision on a pair wins."""
    decision = decide(
        session,
        round_id=round_id,
        opening_id=body.opening_id,
        candidate_id=body.candidate_id,
        action=body.action,
        reason_code=body.reason_code,
        reason=body.reason,
        actor=principal,
        new_candidate_id=body.new_candidate_id,
        taxonomy=_taxonomy(request),
    )
    answer = DecisionPublic.model_validate(decision, from_attributes=True)
    session.commit()
    return answer


@router.get("/{round_id}/decisions")
def read_review_state(round_id: RoundId, _principal: Staff, session: SessionDep) -> ReviewState:
    pairs = review_state(session, round_id)
    return ReviewState(
        round_id=round_id,
        published=publication(session, round_id) is not None,
        undecided=sum(1 for p in pairs if p.state == "undecided"),
        pairs=pairs,
    )


@router.post("/{round_id}/publish")
def publish_round(
    round_id: RoundId,
    body: PublishBody,
    principal: Staff,
    session: SessionDep,
    settings: SettingsDep,
) -> PublishResult:
    """Publish the accepted, locked and overridden-in pairs to their employers (refused while
    a pair has no decision; a sign-off reason is needed when the fairness gate applies)."""
    result = publish(
        session,
        round_id=round_id,
        actor=principal,
        sign_off_reason=body.sign_off_reason,
        threshold=settings.impact_ratio_threshold,
    )
    session.commit()
    return result


def _taxonomy(request: Request) -> Taxonomy | None:
    """The taxonomy of the app's ESCO normaliser, when it has one (else the bundled one)."""
    normaliser = getattr(request.app.state, "normaliser", None)
    found = getattr(getattr(normaliser, "normalizer", None), "taxonomy", None)
    return found if isinstance(found, Taxonomy) else None


@router.post("/{round_id}/reoptimise", status_code=201)
def reoptimise(
    round_id: RoundId, principal: Staff, engine: EngineDep, request: Request
) -> ReoptimisationResult:
    """Re-solve the round after its decisions: locked and accepted pairs kept, rejected and
    overridden-out pairs forbidden, as few people moved as the best total allows. Stored as a
    new round (reviewed and published afresh); the answer names who moved and why."""
    # No request session: inputs are read, the solver runs, then one write stores the round.
    return reoptimise_round(engine, round_id=round_id, actor=principal, taxonomy=_taxonomy(request))

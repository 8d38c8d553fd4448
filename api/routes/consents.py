"""``/candidates/{id}/consents``: a candidate's consent records, granted and withdrawn through
the candidate's agency (``api.consent``); the agency and programme staff read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlmodel import col

from api.auth import Principal
from api.consent import consent_public, grant, withdraw
from api.deps import CANDIDATE_WRITERS, MAX_ID, CandidateReadable, CandidateWritable, SessionDep
from api.errors import ERROR_RESPONSES
from api.models.consent import Consent, ConsentCreate, ConsentPublic
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page, paginate

__all__ = ["router"]

router = APIRouter(prefix="/candidates", tags=["consents"], responses=ERROR_RESPONSES)

ConsentId = Annotated[int, Path(ge=1, le=MAX_ID, description="A consent id")]
Agency = Annotated[Principal, Depends(CANDIDATE_WRITERS)]


@router.post("/{candidate_id}/consents", status_code=201)
def grant_consent(
    body: ConsentCreate, candidate: CandidateWritable, principal: Agency, session: SessionDep
) -> ConsentPublic:
    """Record a consent the candidate gave: what, to whom (one employer, or every employer of
    the programme when ``employer_id`` is null), notice version and channel."""
    consent = grant(session, candidate=candidate, body=body, actor=principal)
    public = consent_public(consent)
    session.commit()
    return public


@router.get("/{candidate_id}/consents")
def read_consents(
    candidate: CandidateReadable,
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
) -> Page[ConsentPublic]:
    """The candidate's consents, withdrawn ones included, oldest first."""
    rows, total, next_after = paginate(
        session,
        Consent,
        where=[col(Consent.candidate_id) == candidate.id],
        limit=limit,
        after=after,
    )
    return Page[ConsentPublic](
        items=[consent_public(c) for c in rows], total=total, next_after=next_after
    )


@router.post("/{candidate_id}/consents/{consent_id}/withdraw")
def withdraw_consent(
    consent_id: ConsentId, candidate: CandidateWritable, principal: Agency, session: SessionDep
) -> ConsentPublic:
    """Withdraw a consent: no identity is revealed under it from now on."""
    consent = withdraw(session, candidate=candidate, consent_id=consent_id, actor=principal)
    public = consent_public(consent)
    session.commit()
    return public

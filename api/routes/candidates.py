"""``/candidates``: an agency creates, reads, changes and deletes its own candidates; programme
staff read them all, and erase one on request (``DELETE ...?erase=true``). A deletion is an
erasure (``api.gdpr``): the candidate's personal data leaves every table. Employers never reach
these routes (they see pseudonymised candidates in round results)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import col, select

from api import gdpr
from api.auth import Principal
from api.deps import (
    CANDIDATE_READERS,
    CANDIDATE_WRITERS,
    MAX_ID,
    CandidateReadable,
    CandidateToRead,
    CandidateToUpdate,
    NormaliserDep,
    SessionDep,
    visible_to,
)
from api.errors import ERROR_RESPONSES, ForbiddenError
from api.models._types import CountryCode
from api.models.candidates import (
    Candidate,
    CandidateConcept,
    CandidateCreate,
    CandidatePublic,
    CandidateUpdate,
)
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page
from api.routes._blocking import run_blocking, run_in_session
from api.routes._concepts import (
    create_new_profile,
    profile_page,
    read_profile,
    update_profile,
)

__all__ = ["router"]

router = APIRouter(prefix="/candidates", tags=["candidates"], responses=ERROR_RESPONSES)

Readers = Annotated[Principal, Depends(CANDIDATE_READERS)]
Writers = Annotated[Principal, Depends(CANDIDATE_WRITERS)]


@router.post("", status_code=201)
async def create_candidate(
    body: CandidateCreate, principal: Writers, request: Request, normaliser: NormaliserDep
) -> CandidatePublic:
    return await create_new_profile(
        request,
        body,
        owner_id=principal.organisation_id,
        kind="candidate",
        model=CandidatePublic,
        normaliser=normaliser,
    )


@router.get("")
async def list_candidates(
    principal: Readers,
    request: Request,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
    country: Annotated[CountryCode | None, Query(description="Country of origin")] = None,
    agency_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    external_ref: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    name: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Part of the name")
    ] = None,
    concept: Annotated[
        str | None, Query(min_length=1, max_length=255, description="Has this ESCO concept URI")
    ] = None,
) -> Page[CandidatePublic]:
    conditions = [visible_to(principal, Candidate)]
    if country is not None:
        conditions.append(col(Candidate.country) == country)
    if agency_id is not None:
        conditions.append(col(Candidate.agency_id) == agency_id)
    if external_ref is not None:
        conditions.append(col(Candidate.external_ref) == external_ref)
    if name is not None:
        conditions.append(col(Candidate.full_name).icontains(name, autoescape=True))
    if concept is not None:
        conditions.append(
            col(Candidate.id).in_(
                select(CandidateConcept.candidate_id).where(
                    col(CandidateConcept.concept_uri) == concept
                )
            )
        )

    return await run_in_session(
        request,
        profile_page,
        Candidate,
        kind="candidate",
        page=Page[CandidatePublic],
        model=CandidatePublic,
        where=conditions,
        limit=limit,
        after=after,
    )


@router.get("/{candidate_id}")
async def read_candidate(candidate: CandidateToRead, request: Request) -> CandidatePublic:
    return await run_in_session(
        request, read_profile, candidate.load, kind="candidate", model=CandidatePublic
    )


@router.patch("/{candidate_id}")
async def update_candidate(
    body: CandidateUpdate, candidate: CandidateToUpdate, request: Request, normaliser: NormaliserDep
) -> CandidatePublic:
    return await run_in_session(
        request,
        update_profile,
        candidate.load,
        body,
        kind="candidate",
        model=CandidatePublic,
        normaliser=normaliser,
    )


# DELETE loads in a dependency (a hop of its own): a missing or foreign candidate is a 404
# before the query is validated, as it always was.
@router.delete("/{candidate_id}", status_code=204, response_class=Response)
async def delete_candidate(
    candidate: CandidateReadable,
    principal: Readers,
    request: Request,
    session: SessionDep,
    erase: Annotated[
        bool,
        Query(
            description="Erase (GDPR Art. 17): programme staff or the candidate's agency. "
            "Without it, only the agency may delete; both remove the candidate's personal "
            "data from every table (``api.gdpr.erase``)."
        ),
    ] = False,
) -> None:
    if principal.kind == "programme" and not erase:
        raise ForbiddenError()
    assert candidate.id is not None
    candidate_id = candidate.id
    secret: bytes = request.app.state.pseudonym_secret

    def delete() -> None:
        gdpr.erase(
            session,
            candidate_id,
            secret=secret,
            trigger="request" if erase else "deletion",
            actor_user_id=principal.user_id,
        )
        session.commit()

    await run_blocking(session, delete)

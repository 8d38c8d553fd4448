"""``/openings``: an employer creates, reads, changes and deletes its own vacancies and training
places; programme staff read them all. Agencies never reach these routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session, col, select

from api.auth import Principal
from api.deps import (
    MAX_ID,
    OPENING_READERS,
    OPENING_WRITERS,
    NormaliserDep,
    OpeningToRead,
    OpeningToUpdate,
    OpeningToWrite,
    visible_to,
)
from api.errors import ERROR_RESPONSES
from api.models._types import CountryCode
from api.models.openings import (
    Opening,
    OpeningConcept,
    OpeningCreate,
    OpeningKind,
    OpeningPublic,
    OpeningUpdate,
)
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page
from api.routes._blocking import run_in_session
from api.routes._concepts import (
    create_new_profile,
    profile_page,
    read_profile,
    update_profile,
)

__all__ = ["router"]

router = APIRouter(prefix="/openings", tags=["openings"], responses=ERROR_RESPONSES)

Readers = Annotated[Principal, Depends(OPENING_READERS)]
Writers = Annotated[Principal, Depends(OPENING_WRITERS)]


@router.post("", status_code=201)
async def create_opening(
    body: OpeningCreate, principal: Writers, request: Request, normaliser: NormaliserDep
) -> OpeningPublic:
    return await create_new_profile(
        request,
        body,
        owner_id=principal.organisation_id,
        kind="opening",
        model=OpeningPublic,
        normaliser=normaliser,
    )


@router.get("")
async def list_openings(
    principal: Readers,
    request: Request,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
    kind: Annotated[OpeningKind | None, Query()] = None,
    country: Annotated[CountryCode | None, Query(description="Destination country")] = None,
    employer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    external_ref: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    concept: Annotated[
        str | None, Query(min_length=1, max_length=255, description="Has this ESCO concept URI")
    ] = None,
) -> Page[OpeningPublic]:
    conditions = [visible_to(principal, Opening)]
    if kind is not None:
        conditions.append(col(Opening.kind) == kind)
    if country is not None:
        conditions.append(col(Opening.country) == country)
    if employer_id is not None:
        conditions.append(col(Opening.employer_id) == employer_id)
    if external_ref is not None:
        conditions.append(col(Opening.external_ref) == external_ref)
    if concept is not None:
        conditions.append(
            col(Opening.id).in_(
                select(OpeningConcept.opening_id).where(col(OpeningConcept.concept_uri) == concept)
            )
        )

    return await run_in_session(
        request,
        profile_page,
        Opening,
        kind="opening",
        page=Page[OpeningPublic],
        model=OpeningPublic,
        where=conditions,
        limit=limit,
        after=after,
    )


@router.get("/{opening_id}")
async def read_opening(opening: OpeningToRead, request: Request) -> OpeningPublic:
    return await run_in_session(
        request, read_profile, opening.load, kind="opening", model=OpeningPublic
    )


@router.patch("/{opening_id}")
async def update_opening(
    body: OpeningUpdate, opening: OpeningToUpdate, request: Request, normaliser: NormaliserDep
) -> OpeningPublic:
    return await run_in_session(
        request,
        update_profile,
        opening.load,
        body,
        kind="opening",
        model=OpeningPublic,
        normaliser=normaliser,
    )


@router.delete("/{opening_id}", status_code=204, response_class=Response)
async def delete_opening(opening: OpeningToWrite, request: Request) -> None:
    def delete(session: Session) -> None:
        session.delete(opening.load(session))
        session.commit()

    await run_in_session(request, delete)

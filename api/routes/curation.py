"""``/curation``: programme staff work through the texts the normaliser could not resolve, and
review the possible duplicates flagged when candidates were created or imported.

* ``GET /curation?status=open`` — queued skill/occupation texts, with the normaliser's best
  guesses and how many candidates and openings hold each one unresolved;
* ``POST /curation/{item_id}/confirm`` ``{"concept_uri": ...}`` — a guess or a correction (an
  ESCO concept of the item's kind, else 422): it becomes a programme synonym, used by every
  later normalisation, and the unresolved rows holding the text are re-resolved (the answer's
  ``updated_rows`` says how many);
* ``POST /curation/{item_id}/dismiss`` — off the queue, rows left unresolved;
* ``GET /curation/duplicates`` — new candidates flagged as possibly the same person as another
  agency's (``api.duplicates``: flagged, never merged).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlmodel import Session, col

from api.auth import Principal
from api.curation import confirm, dismiss, load_item, refresh_normaliser, sync_queue, usage
from api.db import open_session
from api.deps import MAX_ID, Allow, EngineDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.models.curation import CurationConfirm, CurationItem, CurationItemPublic, CurationStatus
from api.models.imports import DuplicateFlag, DuplicateFlagPublic
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page, paginate
from api.routes._esco import EscoDep, set_esco

__all__ = ["router"]

router = APIRouter(prefix="/curation", tags=["curation"], responses=ERROR_RESPONSES)

Staff = Annotated[Principal, Depends(Allow("staff", "admin"))]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="A curation item id")]


def _public(
    session: Session, items: list[CurationItem], *, updated_rows: int | None = None
) -> list[CurationItemPublic]:
    counts = usage(session)
    return [
        CurationItemPublic.model_validate(
            item,
            update={
                "candidates": counts.get((item.kind, item.text_key), (0, 0))[0],
                "openings": counts.get((item.kind, item.text_key), (0, 0))[1],
                "updated_rows": updated_rows,
            },
        )
        for item in items
    ]


@router.get("")
def list_curation(
    _principal: Staff,
    engine: EngineDep,
    normaliser: EscoDep,
    status: Annotated[CurationStatus, Query()] = "open",
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
) -> Page[CurationItemPublic]:
    with open_session(engine, mode="write") as session:
        sync_queue(session, normaliser)
        session.commit()
        rows, total, next_after = paginate(
            session,
            CurationItem,
            where=[col(CurationItem.status) == status],
            limit=limit,
            after=after,
        )
        return Page[CurationItemPublic](
            items=_public(session, rows), total=total, next_after=next_after
        )


@router.post("/{item_id}/confirm")
def confirm_item(
    request: Request,
    item_id: ItemId,
    body: CurationConfirm,
    principal: Staff,
    session: SessionDep,
    normaliser: EscoDep,
) -> CurationItemPublic:
    item = load_item(session, item_id)
    updated = confirm(
        session,
        item,
        concept_uri=body.concept_uri,
        user_id=principal.user_id,
        normaliser=normaliser,
    )
    [public] = _public(session, [item], updated_rows=updated)
    session.commit()
    set_esco(request, refresh_normaliser(session, normaliser))
    return public


@router.post("/{item_id}/dismiss")
def dismiss_item(item_id: ItemId, principal: Staff, session: SessionDep) -> CurationItemPublic:
    item = load_item(session, item_id)
    dismiss(session, item, user_id=principal.user_id)
    [public] = _public(session, [item])
    session.commit()
    return public


@router.get("/duplicates")
def list_duplicates(
    _principal: Staff, session: SessionDep, limit: Limit = DEFAULT_PAGE_SIZE, after: After = None
) -> Page[DuplicateFlagPublic]:
    rows, total, next_after = paginate(session, DuplicateFlag, where=[], limit=limit, after=after)
    return Page[DuplicateFlagPublic](
        items=[DuplicateFlagPublic.model_validate(r) for r in rows],
        total=total,
        next_after=next_after,
    )

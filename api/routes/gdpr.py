"""GDPR routes: a candidate's access export, the erasures, and the notices of erasure owed to
employers. (Erasure itself is ``DELETE /candidates/{id}?erase=true``, in ``candidates``.)

* ``GET /candidates/{id}/export`` — programme staff, or the candidate's agency: every stored
  fact about the candidate (``api.gdpr.export``). Audited ``candidate.exported``.
* ``GET /erasures`` — programme staff: the erasure records (pseudonymous).
* ``GET /erasure-notices`` — an employer: the candidates it had received that were erased,
  under the pseudonym it knew them by; staff read them all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import col, select

from api import audit, gdpr
from api.auth import Principal
from api.db import open_session
from api.deps import Allow, CandidateReadable, EngineDep, SessionDep
from api.errors import ERROR_RESPONSES
from api.models.candidates import CandidatePublic
from api.models.gdpr import (
    CandidateExport,
    Erasure,
    ErasureNotice,
    ErasureNoticePublic,
    ErasurePublic,
)
from api.pagination import DEFAULT_PAGE_SIZE, After, Limit, Page, paginate
from api.routes._concepts import public_profiles

__all__ = ["router"]

router = APIRouter(tags=["gdpr"], responses=ERROR_RESPONSES)

EXPORTERS = Allow("agency", "staff", "admin")
STAFF = Allow("staff", "admin")
NOTICE_READERS = Allow("employer", "staff", "admin")


@router.get("/candidates/{candidate_id}/export")
def export_candidate(
    candidate: CandidateReadable,
    principal: Annotated[Principal, Depends(EXPORTERS)],
    request: Request,
    session: SessionDep,
    engine: EngineDep,
) -> CandidateExport:
    """Everything stored about the candidate (GDPR Art. 15)."""
    [public] = public_profiles(session, [candidate], kind="candidate", model=CandidatePublic)
    secret: bytes = request.app.state.pseudonym_secret
    answer = gdpr.export(session, public, secret=secret)
    session.commit()  # end the read transaction before the audit write
    with open_session(engine, mode="write") as writer:
        audit.append(
            writer,
            actor_user_id=principal.user_id,
            action="candidate.exported",
            subject_type="candidate",
            subject_id=public.id,
            payload={"tables": sorted(answer.records), "disclosures": len(answer.disclosures)},
        )
        writer.commit()
    return answer


@router.get("/erasures")
def list_erasures(
    _principal: Annotated[Principal, Depends(STAFF)],
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
) -> Page[ErasurePublic]:
    rows, total, next_after = paginate(session, Erasure, where=[], limit=limit, after=after)
    return Page[ErasurePublic](
        items=[ErasurePublic.model_validate(r, from_attributes=True) for r in rows],
        total=total,
        next_after=next_after,
    )


@router.get("/erasure-notices")
def list_erasure_notices(
    principal: Annotated[Principal, Depends(NOTICE_READERS)],
    session: SessionDep,
    limit: Limit = DEFAULT_PAGE_SIZE,
    after: After = None,
) -> Page[ErasureNoticePublic]:
    """Erased candidates the employer had received, by the pseudonym it knew them by."""
    where = (
        []
        if principal.kind == "programme"
        else [col(ErasureNotice.employer_id) == principal.organisation_id]
    )
    rows, total, next_after = paginate(
        session, ErasureNotice, where=where, limit=limit, after=after
    )
    erased_at = dict(
        session.exec(
            select(Erasure.id, Erasure.erased_at).where(
                col(Erasure.id).in_({r.erasure_id for r in rows})
            )
        ).all()
    )
    return Page[ErasureNoticePublic](
        items=[
            ErasureNoticePublic(
                id=r.id or 0,
                employer_id=r.employer_id,
                pseudonym=r.pseudonym,
                received=r.received,
                first_received_at=r.first_received_at,
                erased_at=erased_at[r.erasure_id],
            )
            for r in rows
        ],
        total=total,
        next_after=next_after,
    )

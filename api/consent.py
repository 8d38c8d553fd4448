"""Consent records, granted and withdrawn through the candidate's agency, and the identity
reveal they gate.

An employer sees a candidate's name and contact only for its own, open placement, and only
while an ``identity`` consent of the candidate covers that employer (a consent naming it, or
one for every employer of the programme). Each reveal is recorded (``IdentityReveal``) and
audited ``identity.revealed``; a withdrawn consent allows no further reveal. The consent row is
locked (``FOR UPDATE`` on PostgreSQL; SQLite serialises writers) by both the reveal and the
withdrawal, so a reveal cannot slip past a withdrawal committed before it.

Audit payloads carry ids and codes only: never the name or contact shown.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from api import audit
from api.auth import Principal
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
from api.models.consent import (
    Consent,
    ConsentCreate,
    ConsentPublic,
    IdentityPublic,
    IdentityReveal,
    Purpose,
)
from api.models.organisations import Organisation
from api.models.placements import Placement
from api.pseudonyms import pseudonym

__all__ = [
    "ConsentRequiredError",
    "active_consent",
    "consent_public",
    "grant",
    "reveal_identity",
    "withdraw",
]


class ConsentRequiredError(ForbiddenError):
    """No active consent covers the reveal (403, saying so)."""

    def __init__(self) -> None:
        ServiceError.__init__(
            self,
            "no active consent of the candidate covers showing their identity to your "
            "organisation (never given, or withdrawn)",
        )


def consent_public(consent: Consent) -> ConsentPublic:
    assert consent.id is not None
    return ConsentPublic(
        id=consent.id,
        candidate_id=consent.candidate_id,
        agency_id=consent.agency_id,
        purpose=consent.purpose,
        employer_id=consent.employer_id,
        notice_version=consent.notice_version,
        channel=consent.channel,
        granted_at=consent.granted_at,
        withdrawn_at=consent.withdrawn_at,
        active=consent.withdrawn_at is None,
    )


def _recipient(employer_id: int | None) -> int | str:
    return "programme_employers" if employer_id is None else employer_id


def grant(
    session: Session, *, candidate: Candidate, body: ConsentCreate, actor: Principal
) -> Consent:
    """Record a consent of ``candidate`` (the actor is its agency). 422 naming
    ``employer_id`` when it is not an employer. Audited ``consent.granted``; not committed."""
    if body.employer_id is not None:
        employer = session.get(Organisation, body.employer_id)
        if employer is None or employer.kind != "employer":
            raise InvalidInputError(
                [FieldProblem(loc=("body", "employer_id"), msg="no employer has this id")]
            )
    assert candidate.id is not None
    consent = Consent(
        candidate_id=candidate.id,
        agency_id=candidate.agency_id,
        purpose=body.purpose,
        employer_id=body.employer_id,
        notice_version=body.notice_version,
        channel=body.channel,
        granted_by=actor.user_id,
    )
    session.add(consent)
    session.flush()
    assert consent.id is not None
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action="consent.granted",
        subject_type="consent",
        subject_id=consent.id,
        payload={
            "candidate_id": candidate.id,
            "agency_id": consent.agency_id,
            "purpose": consent.purpose,
            "recipient": _recipient(consent.employer_id),
            "notice_version": consent.notice_version,
            "channel": consent.channel,
        },
    )
    return consent


def withdraw(
    session: Session, *, candidate: Candidate, consent_id: int, actor: Principal
) -> Consent:
    """Withdraw one of ``candidate``'s consents: 404 when it is not theirs, 409 when already
    withdrawn. Audited ``consent.withdrawn``; not committed."""
    consent = session.exec(
        select(Consent)
        .where(col(Consent.id) == consent_id, col(Consent.candidate_id) == candidate.id)
        .with_for_update()
    ).first()
    if consent is None:
        raise NotFoundError("consent", consent_id)
    if consent.withdrawn_at is not None:
        raise ConflictError(f"consent {consent_id} is already withdrawn")
    consent.withdrawn_at = utc_now()
    consent.withdrawn_by = actor.user_id
    session.add(consent)
    session.flush()
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action="consent.withdrawn",
        subject_type="consent",
        subject_id=consent_id,
        payload={
            "candidate_id": consent.candidate_id,
            "agency_id": consent.agency_id,
            "purpose": consent.purpose,
            "recipient": _recipient(consent.employer_id),
        },
    )
    return consent


def active_consent(
    session: Session,
    *,
    candidate_id: int,
    employer_id: int,
    purpose: Purpose = "identity",
    lock: bool = False,
) -> Consent | None:
    """The latest active consent of the candidate for ``purpose`` covering the employer."""
    statement = (
        select(Consent)
        .where(
            col(Consent.candidate_id) == candidate_id,
            col(Consent.purpose) == purpose,
            col(Consent.withdrawn_at).is_(None),
            col(Consent.employer_id).is_(None) | (col(Consent.employer_id) == employer_id),
        )
        .order_by(col(Consent.id).desc())
        .limit(1)
    )
    if lock:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def reveal_identity(
    session: Session, *, placement_id: int, actor: Principal, secret: bytes
) -> IdentityPublic:
    """The candidate's name and contact for the employer of an open placement, under an
    active consent; recorded and audited ``identity.revealed``. 404 for another employer's
    placement (or an erased candidate), 409 for a closed placement, 403 without consent.
    Call in a write transaction; not committed."""
    employer_id = actor.organisation_id
    placement = session.exec(
        select(Placement).where(
            col(Placement.id) == placement_id, col(Placement.employer_id) == employer_id
        )
    ).first()
    if placement is None or placement.candidate_id is None:
        raise NotFoundError("placement", placement_id)
    if placement.stage == "closed":
        raise ConflictError(f"placement {placement_id} is closed: identities are not shown")
    candidate = session.get(Candidate, placement.candidate_id)
    if candidate is None or candidate.id is None:
        raise NotFoundError("placement", placement_id)
    consent = active_consent(session, candidate_id=candidate.id, employer_id=employer_id, lock=True)
    if consent is None or consent.id is None:
        raise ConsentRequiredError()
    reveal = IdentityReveal(
        placement_id=placement_id,
        employer_id=employer_id,
        candidate_id=candidate.id,
        consent_id=consent.id,
        by_user_id=actor.user_id,
    )
    session.add(reveal)
    session.flush()
    audit.append(
        session,
        actor_user_id=actor.user_id,
        action="identity.revealed",
        subject_type="placement",
        subject_id=placement_id,
        payload={
            "reveal_id": reveal.id,
            "employer_id": employer_id,
            "candidate_id": candidate.id,
            "consent_id": consent.id,
        },
    )
    return IdentityPublic(
        placement_id=placement_id,
        candidate_pseudonym=pseudonym(secret, employer_id=employer_id, candidate_id=candidate.id),
        full_name=candidate.full_name,
        email=candidate.email,
        phone=candidate.phone,
        consent_id=consent.id,
        revealed_at=reveal.at,
    )

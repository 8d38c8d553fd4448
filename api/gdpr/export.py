"""The access export (GDPR Art. 15): everything stored about a candidate — every row of
every table that refers to them, which employers received what and when, the explanation of
every match, and the audit records about them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import String, and_, cast, or_
from sqlmodel import Session, col, select

from api.gdpr.footprint import footprint, published_rounds, recipients
from api.models._types import utc_now
from api.models.audit import AuditRecord
from api.models.candidates import CandidatePublic
from api.models.gdpr import (
    AuditEntry,
    CandidateExport,
    Disclosure,
    MatchExplanation,
    UnassignedExplanation,
)
from api.models.organisations import Organisation
from api.models.rounds import Round
from api.pseudonyms import pseudonym

__all__ = ["export"]

#: Payload keys by which an audit record names a candidate.
_CANDIDATE_KEYS = ("candidate_id", "new_candidate_id")


def export(session: Session, candidate: CandidatePublic, *, secret: bytes) -> CandidateExport:
    """Everything stored about ``candidate`` (``CandidateExport``)."""
    found = footprint(session, candidate.id)
    since = candidate.created_at
    records = {
        name: [dict(row) for row in found.rows(name)]
        for name in found.tables()
        if name != "candidates"
    }
    receipts = recipients(session, found)
    names = dict(
        session.execute(
            select(col(Organisation.id), col(Organisation.name)).where(
                col(Organisation.id).in_({r.employer_id for r in receipts})
            )
        ).all()
    )
    disclosures = [
        Disclosure(
            employer_id=r.employer_id,
            employer_name=names.get(r.employer_id, ""),
            pseudonym=pseudonym(secret, employer_id=r.employer_id, candidate_id=candidate.id),
            what=r.what,
            table=r.table,
            row_id=r.row_id,
            at=r.at,
        )
        for r in receipts
    ]
    assignments = found.rows("round_assignments")
    published = published_rounds(session, (a["round_id"] for a in assignments))
    matches = [
        MatchExplanation(
            round_id=a["round_id"],
            opening_id=a["opening_id"],
            employer_id=a["employer_id"],
            score=a["score"],
            published=a["round_id"] in published,
            explanation=a["explanation"],
        )
        for a in sorted(assignments, key=lambda a: (a["round_id"], a["opening_id"]))
    ]
    return CandidateExport(
        exported_at=utc_now(),
        candidate=candidate,
        records=records,
        disclosures=disclosures,
        matches=matches,
        unassigned=_unassigned(session, candidate.id, since),
        audit=[
            AuditEntry(
                id=r.id, at=r.at, actor_user_id=r.actor_user_id, action=r.action, payload=r.payload
            )
            for r in _audit_rows(session, candidate.id, since)
        ],
    )


def _unassigned(
    session: Session, candidate_id: int, since: datetime
) -> list[UnassignedExplanation]:
    rows = session.exec(
        select(Round)
        .where(
            col(Round.result).is_not(None),
            col(Round.created_at) >= since,
            cast(col(Round.result), String).contains(f'"{candidate_id}"'),
        )
        .order_by(col(Round.id))
    ).all()
    out = []
    for found in rows:
        assert found.id is not None and found.result is not None
        for entry in found.result.get("unassigned", []):
            if isinstance(entry, Mapping) and entry.get("candidate") in (
                candidate_id,
                str(candidate_id),
            ):
                out.append(
                    UnassignedExplanation(
                        round_id=found.id,
                        reason=str(entry.get("reason", ""))[:64],
                        details=dict(entry.get("details") or {}),
                    )
                )
    return out


def _audit_rows(session: Session, candidate_id: int, since: datetime) -> list[AuditRecord]:
    """Audit records about the candidate since they existed: with the candidate as subject, or
    naming them in the payload (``candidate_id``, ``new_candidate_id``: decisions, stage
    changes, consents, identity reveals)."""
    rows = session.exec(
        select(AuditRecord)
        .where(
            col(AuditRecord.at) >= since,
            or_(
                and_(
                    col(AuditRecord.subject_type) == "candidate",
                    col(AuditRecord.subject_id) == str(candidate_id),
                ),
                cast(col(AuditRecord.payload), String).contains(str(candidate_id)),
            ),
        )
        .order_by(col(AuditRecord.id))
    ).all()
    return [
        r
        for r in rows
        if (r.subject_type == "candidate" and r.subject_id == str(candidate_id))
        or any(r.payload.get(k) == candidate_id for k in _CANDIDATE_KEYS)
    ]

"""What each role reads of a round's assignments.

Programme staff read every assignment with its full explanation. An employer reads only the
assignments to its own openings, each candidate pseudonymised (``api.pseudonyms``: no name,
contact or birth date) and each explanation cut down to what concerns that pair: the score
terms, the skills matched, credited and missing, and the eligibility rules — anything else the
core may add later (e.g. details naming other candidates) is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from api.models.candidates import Candidate
from api.models.rounds import EmployerAssignmentPublic, RoundAssignment
from api.pseudonyms import pseudonymise
from api.routes._concepts import concepts_of

__all__ = ["EMPLOYER_EXPLANATION_KEYS", "employer_assignments", "employer_explanation"]

#: Explanation fields an employer may see (about its opening and the candidate's profile).
EMPLOYER_EXPLANATION_KEYS = (
    "terms",
    "matched_essential",
    "matched_optional",
    "partial_credits",
    "missing_essential",
    "rules",
)


def employer_explanation(explanation: Mapping[str, Any]) -> dict[str, Any]:
    return {key: explanation[key] for key in EMPLOYER_EXPLANATION_KEYS if key in explanation}


def employer_assignments(
    session: Session, rows: Sequence[RoundAssignment], *, secret: bytes, employer_id: int
) -> list[EmployerAssignmentPublic]:
    """``rows`` (the employer's own) as the employer sees them."""
    ids = sorted({row.candidate_id for row in rows})
    candidates = {
        c.id: c for c in session.exec(select(Candidate).where(col(Candidate.id).in_(ids))).all()
    }
    concepts = concepts_of(session, kind="candidate", owner_ids=ids)
    return [
        EmployerAssignmentPublic(
            opening_id=row.opening_id,
            candidate=pseudonymise(
                candidates[row.candidate_id],
                concepts.get(row.candidate_id, []),
                secret=secret,
                employer_id=employer_id,
            ),
            score=row.score,
            explanation=employer_explanation(row.explanation),
        )
        for row in rows
        if row.employer_id == employer_id
    ]

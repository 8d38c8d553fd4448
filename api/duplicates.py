"""Possible duplicates across agencies: the same person submitted by two agencies is flagged
for programme staff, never merged.

A candidate whose normalised name (``api.imports.name_key``: case, accents, punctuation and
word order ignored) and birth date equal another agency's candidate's gets a ``DuplicateFlag``
(listed at ``GET /curation/duplicates``) when it is created — by the bulk import or alone —
and when its name or birth date is changed (a pair is flagged once). All flag through
``flag_duplicates``; a candidate without a birth date is not compared (a name alone says too
little).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from api.imports import name_key
from api.models._types import utc_now
from api.models.candidates import Candidate
from api.models.imports import DuplicateFlag

__all__ = ["flag_duplicates"]

#: Birth dates looked up per query.
_DATES_PER_QUERY = 1_000


def flag_duplicates(
    session: Session,
    people: Sequence[tuple[str, date | None]],
    ids: Sequence[int],
    *,
    agency_id: int,
    changed: bool = False,
) -> list[int]:
    """Flag each candidate ``ids[i]`` (``people[i]``: full name, birth date) of ``agency_id``
    that looks like another agency's candidate; the positions flagged, in order. Adds the
    flags to ``session``'s transaction. ``changed``: the candidates are not new but had their
    name or birth date changed — a pair already flagged (either way round) is not again."""
    wanted: dict[tuple[str, date], list[int]] = defaultdict(list)
    for position, (full_name, birth_date) in enumerate(people):
        if birth_date is not None:
            wanted[name_key(full_name), birth_date].append(position)
    dates = sorted({d for _, d in wanted})
    flags: list[dict[str, Any]] = []
    flagged: set[int] = set()
    now = utc_now()
    for start in range(0, len(dates), _DATES_PER_QUERY):
        others = session.execute(
            select(col(Candidate.id), Candidate.full_name, col(Candidate.birth_date)).where(
                col(Candidate.birth_date).in_(dates[start : start + _DATES_PER_QUERY]),
                col(Candidate.agency_id) != agency_id,
            )
        ).all()
        for other_id, other_name, other_date in others:
            for position in wanted.get((name_key(other_name), other_date), ()):
                flags.append(
                    {"candidate_id": ids[position], "duplicate_of_id": other_id, "created_at": now}
                )
                flagged.add(position)
    if flags and changed:
        flags = _not_flagged_yet(session, flags)
        still = _of(flags)
        flagged = {position for position in flagged if ids[position] in still}
    if flags:
        session.connection().execute(insert(DuplicateFlag.__table__), flags)  # type: ignore[attr-defined]
    return sorted(flagged)


def _of(flags: Sequence[dict[str, Any]]) -> set[int]:
    return {flag["candidate_id"] for flag in flags}


def _not_flagged_yet(session: Session, flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``flags`` less the pairs already flagged, in either direction."""
    ids = _of(flags)
    existing = session.execute(
        select(col(DuplicateFlag.candidate_id), col(DuplicateFlag.duplicate_of_id)).where(
            col(DuplicateFlag.candidate_id).in_(ids) | col(DuplicateFlag.duplicate_of_id).in_(ids)
        )
    ).all()
    known = {frozenset(pair) for pair in existing}
    return [f for f in flags if frozenset((f["candidate_id"], f["duplicate_of_id"])) not in known]

"""Erased candidates' ids are never given to someone else.

PostgreSQL sequences never hand out an id twice. SQLite's ``INTEGER PRIMARY KEY`` (the
candidates table has no ``AUTOINCREMENT``) gives ``max(id) + 1``, so erasing the newest
candidate would let the next one take its id — and with it the erased person's pseudonyms,
erasure subject and audit trail. Before a flush that inserts candidates on SQLite, this
listener looks at the highest id the audit log records as erased; when it is not below the
table's highest id, the new candidates get explicit ids above it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, event, func, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from api.models.audit import AuditRecord
from api.models.candidates import Candidate

__all__ = ["highest_erased_id"]


def highest_erased_id(session: OrmSession) -> int | None:
    """The highest candidate id the audit log records as erased (None: none erased)."""
    found = session.execute(
        select(func.max(cast(col(AuditRecord.subject_id), Integer))).where(
            col(AuditRecord.action) == "candidate.erased",
            col(AuditRecord.subject_type) == "candidate",
        )
    ).scalar()
    return None if found is None else int(found)


@event.listens_for(OrmSession, "before_flush")
def _never_reuse_erased_ids(session: OrmSession, _context: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, Candidate) and o.id is None]
    if not new or session.get_bind().dialect.name != "sqlite":
        return
    with session.no_autoflush:
        erased = highest_erased_id(session)
        if erased is None:
            return
        highest = session.execute(select(func.max(col(Candidate.id)))).scalar() or 0
        if erased < highest:
            return  # SQLite's max(id) + 1 is above every erased id already
        for offset, candidate in enumerate(new, start=1):
            candidate.id = erased + offset

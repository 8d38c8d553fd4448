"""Erased candidates' ids are never given to someone else.

PostgreSQL sequences never hand out an id twice. SQLite's ``INTEGER PRIMARY KEY`` (the
candidates table has no ``AUTOINCREMENT``) gives ``max(id) + 1``, so erasing the newest
candidate would let the next one take its id — and with it the erased person's pseudonyms,
erasure subject and audit trail. So on SQLite a new candidate is numbered above both the
table's highest id and the highest id the audit log records as erased:

- the create route's ``INSERT`` (``candidate_insert``) computes that id inside the statement
  itself (no query of its own before it);
- bulk imports insert without the ORM and call ``erased_id_floor`` themselves;
- a flush that inserts ``Candidate`` objects is guarded by a ``before_flush`` listener.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Integer, cast, event, func, insert, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from api.models.audit import AuditRecord
from api.models.candidates import Candidate

__all__ = ["candidate_insert", "erased_id_floor"]


_HIGHEST_ERASED = (
    select(func.max(cast(col(AuditRecord.subject_id), Integer)))
    .where(
        col(AuditRecord.action) == "candidate.erased",
        col(AuditRecord.subject_type) == "candidate",
    )
    .scalar_subquery()
)
_HIGHEST_LIVE = select(func.max(col(Candidate.id))).scalar_subquery()
#: Both highest ids in one statement, built once.
_HIGHEST_IDS = select(_HIGHEST_ERASED, _HIGHEST_LIVE)
#: SQLite: the id for one new candidate, above every live id (the one SQLite would pick) and
#: every erased id (SQLite's two-argument ``max`` is the greater of the two).
_NEXT_SAFE_ID = func.max(func.coalesce(_HIGHEST_ERASED, 0), func.coalesce(_HIGHEST_LIVE, 0)) + 1


_INSERT = insert(Candidate.__table__).returning(col(Candidate.id))  # type: ignore[attr-defined]
_INSERT_NUMBERED = _INSERT.values(id=_NEXT_SAFE_ID)


def candidate_insert(dialect: Dialect) -> Insert:
    """``INSERT`` of one candidate (its columns' values given at execution) ``RETURNING`` its
    id, built once. On SQLite the statement numbers the candidate itself, above every live and
    every erased id (the guard costs no statement of its own); elsewhere the table's sequence
    does (it never hands an id out twice).

    One row per execution: ``_NEXT_SAFE_ID`` is computed once per statement."""
    return _INSERT_NUMBERED if dialect.name == "sqlite" else _INSERT


def erased_id_floor(connection: Connection) -> int | None:
    """On SQLite, the highest erased candidate id when new candidates must be numbered above it
    explicitly (``max(id) + 1`` would hand it out again); None when the database's own numbering
    is safe (PostgreSQL, nothing erased, or live candidates above every erased id)."""
    if connection.dialect.name != "sqlite":
        return None
    erased, highest = connection.execute(_HIGHEST_IDS).one()
    if erased is None or int(erased) < (highest or 0):
        return None
    return int(erased)


@event.listens_for(OrmSession, "before_flush")
def _never_reuse_erased_ids(session: OrmSession, _context: Any, _instances: Any) -> None:
    new = [o for o in session.new if isinstance(o, Candidate) and o.id is None]
    if not new or session.get_bind().dialect.name != "sqlite":
        return
    # On the session's connection, without the ORM's statement handling (nothing to load).
    floor = erased_id_floor(session.connection())
    if floor is None:
        return
    for offset, candidate in enumerate(new, start=1):
        candidate.id = floor + offset

"""A candidate as the schema sees it: every row reachable through foreign keys from their
``candidates`` row (``footprint``), what erasure does to each (deleted, or kept and cleared),
and which employers received the candidate's data through those rows (``recipients``).

The links come from ``SQLModel.metadata``, so a table whose model is registered in
``api.models`` is covered without being named here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, String, Table, TypeDecorator
from sqlalchemy import select as sa_select
from sqlalchemy.engine import RowMapping
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, SQLModel, col, select

import api.models  # noqa: F401  (registers every table on SQLModel.metadata)
from api.models._types import as_utc
from api.models.rounds import Round

__all__ = [
    "RECEIVED_AS",
    "UNTOUCHED",
    "Footprint",
    "Link",
    "Receipt",
    "base_type",
    "candidate_links",
    "footprint",
    "free_text_columns",
    "published_rounds",
    "recipients",
]

#: Tables erasure never changes: the audit log is append-only and holds no personal data.
UNTOUCHED = frozenset({"audit_log", "erasures", "erasure_notices"})
#: A string column this long or longer is free text (codes, hashes and ids are shorter).
FREE_TEXT_MIN_LENGTH = 65
#: What an employer received through a table's rows, for the notices and the export.
RECEIVED_AS: dict[str, str] = {
    "round_assignments": "shortlist",
    "placements": "placement",
    "identity_reveals": "identity",
}
#: Columns saying when a row's content reached the employer, first found wins.
_RECEIVED_AT = ("at", "published_at", "created_at", "decided_at")
#: Tables whose ``employer_id`` is not a recipient of the candidate's data.
_NOT_RECEIPTS = frozenset({"consents"})
CHUNK = 500

Fate = Literal["deleted", "kept"]


@dataclass(frozen=True, slots=True)
class Link:
    """``child.column`` references ``parent.referenced``."""

    child: Table
    column: Column[Any]
    parent: Table
    referenced: Column[Any]
    ondelete: str | None


def _links() -> dict[str, list[Link]]:
    """Per parent table name, the foreign keys that reference it."""
    links: dict[str, list[Link]] = defaultdict(list)
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent = fk.column.table
            assert isinstance(parent, Table)
            links[parent.name].append(
                Link(table, fk.parent, parent, fk.column, (fk.ondelete or "").upper() or None)
            )
    return links


def candidate_links() -> list[Link]:
    """Every foreign key to ``candidates.id`` (the tables that hold a candidate's data)."""
    return list(_links()["candidates"])


def free_text_columns(table: Table) -> list[Column[Any]]:
    """Columns that may quote a person: ``info["personal"]`` when set, else strings without a
    length or longer than 64 characters that are neither keys nor references."""
    found = []
    for column in table.columns:
        flag = column.info.get("personal")
        if flag is not None:
            if flag:
                found.append(column)
            continue
        kind = base_type(column.type)
        if column.primary_key or column.foreign_keys or not isinstance(kind, String):
            continue
        if kind.length is None or kind.length >= FREE_TEXT_MIN_LENGTH:
            found.append(column)
    return found


def base_type(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type a column stores (SQLModel's ``AutoString`` decorates ``String``)."""
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _key(table: Table, row: RowMapping) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


@dataclass
class Footprint:
    """Every row about one candidate, per table name: the rows erasure deletes and the rows
    it keeps (cleared). ``deleted["candidates"]`` is the candidate's own row."""

    candidate_id: int
    deleted: dict[str, dict[tuple[Any, ...], RowMapping]] = field(default_factory=dict)
    kept: dict[str, dict[tuple[Any, ...], RowMapping]] = field(default_factory=dict)

    def rows(self, table: str) -> list[RowMapping]:
        return [*self.deleted.get(table, {}).values(), *self.kept.get(table, {}).values()]

    def tables(self) -> list[str]:
        return sorted(set(self.deleted) | set(self.kept))


def footprint(session: Session, candidate_id: int) -> Footprint:
    """The candidate's rows in every table reachable through foreign keys from it."""
    metadata = SQLModel.metadata
    links = _links()
    candidates = metadata.tables["candidates"]
    found = Footprint(candidate_id)
    own = session.execute(sa_select(candidates).where(candidates.c.id == candidate_id)).mappings()
    found.deleted["candidates"] = {_key(candidates, r): r for r in own.all()}
    queue: list[tuple[str, Fate, list[RowMapping]]] = [
        ("candidates", "deleted", list(found.deleted["candidates"].values()))
    ]
    while queue:
        name, fate, parents = queue.pop(0)
        for link in links.get(name, []):
            if link.child.name in UNTOUCHED:
                continue
            values = sorted({r[link.referenced.name] for r in parents} - {None})
            if not values:
                continue
            if fate == "deleted" and link.ondelete in ("SET NULL", "SET DEFAULT"):
                child_fate: Fate = "kept"
            else:
                child_fate = fate
            new = _add_rows(session, found, link, values, child_fate)
            if new:
                queue.append((link.child.name, child_fate, new))
    return found


def _add_rows(
    session: Session, found: Footprint, link: Link, values: list[Any], fate: Fate
) -> list[RowMapping]:
    """Record the rows of ``link.child`` referencing ``values``; those new to ``fate``."""
    table = link.child
    deleted = found.deleted.setdefault(table.name, {})
    kept = found.kept.setdefault(table.name, {})
    new: list[RowMapping] = []
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        for row in session.execute(sa_select(table).where(link.column.in_(chunk))).mappings():
            key = _key(table, row)
            if key in deleted:
                continue
            if fate == "deleted":
                kept.pop(key, None)
                deleted[key] = row
                new.append(row)
            elif key not in kept:
                kept[key] = row
                new.append(row)
    for bucket in (found.deleted, found.kept):
        if not bucket[table.name]:
            del bucket[table.name]
    return new


@dataclass(frozen=True, slots=True)
class Receipt:
    """Employer ``employer_id`` received the candidate's data as ``what`` (``shortlist``,
    ``placement``, ``identity``…) through row ``row_id`` of ``table``, at ``at``."""

    employer_id: int
    what: str
    table: str
    row_id: int | None
    at: datetime | None


def published_rounds(session: Session, round_ids: Iterable[int]) -> dict[int, datetime | None]:
    """Round id → when employers could first see it: its publication when rounds are
    published (a ``round_publications`` table), else when it finished."""
    ids = sorted(set(round_ids))
    if not ids:
        return {}
    publications = SQLModel.metadata.tables.get("round_publications")
    if publications is not None:
        rows = session.execute(
            sa_select(publications.c.round_id, publications.c.published_at).where(
                publications.c.round_id.in_(ids)
            )
        ).all()
    else:
        rows = session.execute(
            select(col(Round.id), col(Round.finished_at)).where(
                col(Round.id).in_(ids), col(Round.status) == "done"
            )
        ).all()
    return {int(i): at for i, at in rows}


def recipients(session: Session, found: Footprint) -> list[Receipt]:
    """Every time an employer received the candidate's data, per the footprint's rows with an
    ``employer_id`` (round assignments count once their round is published)."""
    receipts: list[Receipt] = []
    for name in found.tables():
        table = SQLModel.metadata.tables[name]
        if "employer_id" not in table.c or name in _NOT_RECEIPTS:
            continue
        rows = found.rows(name)
        published = (
            published_rounds(session, (r["round_id"] for r in rows))
            if name == "round_assignments"
            else {}
        )
        for row in rows:
            if row["employer_id"] is None:
                continue
            if name == "round_assignments":
                if row["round_id"] not in published:
                    continue
                at = published[row["round_id"]]
            else:
                at = next((row[c] for c in _RECEIVED_AT if c in table.c and row[c]), None)
            receipts.append(
                Receipt(
                    employer_id=int(row["employer_id"]),
                    what=RECEIVED_AS.get(name, name),
                    table=name,
                    row_id=row.get("id"),
                    at=as_utc(at) if isinstance(at, datetime) else None,
                )
            )
    return sorted(receipts, key=lambda r: (r.employer_id, r.at or datetime.min, r.table))

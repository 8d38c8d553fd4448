"""Erasure of a candidate (GDPR Art. 17) and the notices owed to the employers who had
received their data (Art. 19). See ``api.gdpr`` for what happens to each kind of row."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, Table, cast, delete, func, or_, update
from sqlalchemy import text as sql
from sqlalchemy.engine import RowMapping
from sqlmodel import Session, SQLModel, col, select

from api import audit
from api.gdpr.footprint import CHUNK, Footprint, Receipt, footprint, free_text_columns, recipients
from api.models.candidates import CandidateConcept
from api.models.curation import CurationItem, Synonym
from api.models.gdpr import Erasure, ErasureNotice, ErasureTrigger
from api.models.imports import ImportRecord
from api.models.openings import OpeningConcept
from api.models.rounds import Round
from api.pseudonyms import pseudonym
from skills_taxonomy.normalizer import synonym_key

__all__ = ["erase", "erase_many", "erasure_subject", "without_candidates"]

#: Candidates looked for per query in the stored JSON (one LIKE each).
_PER_QUERY = 50


def erasure_subject(secret: bytes, candidate_id: int) -> str:
    """The pseudonymous name of an erased candidate: ``"E-"`` + 20 base32 characters."""
    digest = hmac.new(secret, f"erased-candidate:{candidate_id}".encode(), hashlib.sha256)
    return "E-" + base64.b32encode(digest.digest()).decode("ascii")[:20]


def erase(
    session: Session,
    candidate_id: int,
    *,
    secret: bytes,
    trigger: ErasureTrigger,
    actor_user_id: int | None,
) -> Erasure:
    """Erase the candidate's personal data from every table (see ``api.gdpr``); the erasure
    record (flushed). Audited ``candidate.erased``; the caller commits. ``LookupError`` when
    there is no such candidate."""
    [erasure] = erase_many(
        session, [candidate_id], secret=secret, trigger=trigger, actor_user_id=actor_user_id
    )
    return erasure


def erase_many(
    session: Session,
    candidate_ids: Sequence[int],
    *,
    secret: bytes,
    trigger: ErasureTrigger,
    actor_user_id: int | None,
) -> list[Erasure]:
    """``erase`` for several candidates in one transaction: the stored round results and
    import answers are read and rewritten once for all of them (the retention run)."""
    if session.get_bind().dialect.name == "sqlite":
        # Deleted and overwritten content is zeroed in the file, not left in free pages.
        session.execute(sql("PRAGMA secure_delete = ON"))
    own: dict[int, RowMapping] = {}
    pending = []
    for candidate_id in dict.fromkeys(candidate_ids):
        found = footprint(session, candidate_id)  # after the previous ones' erasure
        if not found.deleted.get("candidates"):
            raise LookupError(f"candidate {candidate_id} not found")
        own[candidate_id] = next(iter(found.deleted["candidates"].values()))
        receipts = recipients(session, found)
        texts = {r["source_text"] for r in found.rows(CandidateConcept.__tablename__)}
        counts: dict[str, Any] = {
            name: {
                "deleted": len(found.deleted.get(name, {})),
                "cleared": len(found.kept.get(name, {})),
            }
            for name in found.tables()
        }
        _clear_kept(session, found)
        _delete(session, found)
        counts["curation"] = _scrub_curation(session, texts)
        pending.append((found.candidate_id, counts, receipts))
    if not own:
        return []
    agencies: dict[int, set[int]] = defaultdict(set)
    for candidate_id, row in own.items():
        agencies[int(row["agency_id"])].add(candidate_id)
    in_imports = _scrub_imports(session, agencies)
    since = min(row["created_at"] for row in own.values())
    in_rounds = _scrub_rounds(session, set(own), since)
    erasures = []
    for candidate_id, counts, receipts in pending:
        counts["import_records"] = {"cleared": in_imports.get(candidate_id, 0)}
        counts["rounds"] = {"cleared": in_rounds.get(candidate_id, 0)}
        erasures.append(
            _record(
                session,
                candidate_id,
                counts,
                receipts,
                secret=secret,
                trigger=trigger,
                actor_user_id=actor_user_id,
            )
        )
    return erasures


def _record(
    session: Session,
    candidate_id: int,
    counts: dict[str, Any],
    receipts: Sequence[Receipt],
    *,
    secret: bytes,
    trigger: ErasureTrigger,
    actor_user_id: int | None,
) -> Erasure:
    """The erasure's record, its notices and its audit record."""
    erasure = Erasure(
        subject=erasure_subject(secret, candidate_id),
        trigger=trigger,
        erased_by=actor_user_id,
        counts=counts,
    )
    session.add(erasure)
    session.flush()
    assert erasure.id is not None
    notices = _notices(erasure.id, candidate_id, receipts, secret=secret)
    session.add_all(notices)
    erasure.counts = counts | {"notices": len(notices)}
    session.add(erasure)
    session.flush()
    audit.append(
        session,
        actor_user_id=actor_user_id,
        action="candidate.erased",
        subject_type="candidate",
        subject_id=candidate_id,
        payload={
            "erasure_id": erasure.id,
            "subject": erasure.subject,
            "trigger": trigger,
            "notices": len(notices),
            "tables": counts,
        },
    )
    return erasure


def _clear_kept(session: Session, found: Footprint) -> None:
    """Kept rows: references to the candidate set NULL, free text cleared."""
    metadata = SQLModel.metadata
    for name, rows in found.kept.items():
        table = metadata.tables[name]
        for column in table.columns:
            if any(fk.column.table.name == "candidates" for fk in column.foreign_keys):
                session.execute(
                    update(table)
                    .where(column == found.candidate_id)
                    .values({column.name: None})
                    .execution_options(synchronize_session=False)
                )
        cleared = {c.name: (None if c.nullable else "") for c in free_text_columns(table)}
        if cleared:
            _by_key(session, table, list(rows), values=cleared)


def _delete(session: Session, found: Footprint) -> None:
    """Deleted rows, children first (so that no foreign key depends on the database's
    cascades)."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        rows = found.deleted.get(table.name)
        if rows:
            _by_key(session, table, list(rows), values=None)
    session.expire_all()


def _by_key(
    session: Session, table: Table, keys: list[tuple[Any, ...]], *, values: dict[str, Any] | None
) -> None:
    """Update the rows of ``table`` with these primary keys to ``values``, or delete them
    (``values=None``)."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1:
        raise NotImplementedError(f"{table.name}: erasure needs a one-column primary key")
    ids = [key[0] for key in keys]
    for start in range(0, len(ids), CHUNK):
        where = pk[0].in_(ids[start : start + CHUNK])
        statement = delete(table) if values is None else update(table).values(values)
        session.execute(statement.where(where).execution_options(synchronize_session=False))


def _scrub_curation(session: Session, texts: set[str]) -> dict[str, int]:
    """Queue items and synonyms made of the candidate's texts: kept (re-worded) while another
    profile holds a text of the same folded key, else deleted. (Only the texts with an item
    or a synonym are looked for in the profiles: most texts resolve and have none.)"""
    counts = {"deleted": 0, "reworded": 0}
    by_key: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        key = synonym_key(text)
        if key:
            by_key[key[:500]].add(text)
    keys = sorted(by_key)
    items: list[CurationItem | Synonym] = []
    for start in range(0, len(keys), CHUNK):
        chunk_keys = keys[start : start + CHUNK]
        items += session.exec(
            select(CurationItem).where(col(CurationItem.text_key).in_(chunk_keys))
        ).all()
        items += session.exec(select(Synonym).where(col(Synonym.text_key).in_(chunk_keys))).all()
    if not items:
        return counts
    # The same folded keys, searched as the exact texts and their lower-case forms.
    wanted = {v for item in items for t in by_key[item.text_key] for v in (t, t.lower())}
    held: dict[str, str] = {}
    for table in (CandidateConcept, OpeningConcept):
        statement = select(table.source_text).where(
            or_(col(table.source_text).in_(wanted), func.lower(table.source_text).in_(wanted))
        )
        for text in session.exec(statement).all():
            held.setdefault(synonym_key(text)[:500], text)
    for item in items:
        if item.text_key in held:
            if item.text in texts:
                item.text = held[item.text_key]
                session.add(item)
                counts["reworded"] += 1
            continue
        session.delete(item)
        counts["deleted"] += 1
    session.flush()
    return counts


def without_candidates(value: Any, ids: Set[int], *, depth: int = 3) -> tuple[Any, set[int]]:
    """``value`` (JSON) without the list entries naming one of ``ids`` (``{"candidate": id}``
    or ``{"candidate_id": id}``, the id as a number or a string), those ids in ``ids`` lists
    replaced by null; and the ids found. Lists are searched within ``depth`` levels of objects
    (a round result's ``unassigned`` list, its ``reserves`` per opening), their entries not."""
    by_name = {str(i): i for i in ids} | {i: i for i in ids}
    found: set[int] = set()

    def named(item: Any) -> int | None:
        if isinstance(item, Mapping):
            for key in ("candidate", "candidate_id"):
                value = item.get(key)
                if _is_id(value) and value in by_name:
                    return by_name[value]
        return None

    if isinstance(value, list):
        kept = []
        for item in value:
            hit = named(item)
            if hit is None:
                kept.append(item)
            else:
                found.add(hit)
        return kept, found
    if not isinstance(value, Mapping) or depth == 0:
        return value, found
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "ids" and isinstance(item, list):
            out[key] = []
            for v in item:
                if _is_id(v) and v in by_name:
                    found.add(by_name[v])
                    out[key].append(None)
                else:
                    out[key].append(v)
        else:
            out[key], hits = without_candidates(item, ids, depth=depth - 1)
            found |= hits
    return out, found


def _is_id(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _mentions(column: Any, patterns: Iterable[str]) -> ColumnElement[bool]:
    """The JSON ``column``'s text holds one of ``patterns`` (a cheap filter before parsing)."""
    text = cast(column, String)
    return or_(*(text.contains(p) for p in patterns))


def _scrub_imports(session: Session, by_agency: Mapping[int, set[int]]) -> dict[int, int]:
    """Stored import answers of the candidates' agencies: their ids taken out. Per candidate,
    the number of answers that named them."""
    named: dict[int, int] = defaultdict(int)
    for agency_id, all_ids in by_agency.items():
        ordered = sorted(all_ids)
        for start in range(0, len(ordered), _PER_QUERY):
            ids = set(ordered[start : start + _PER_QUERY])
            records = session.exec(
                select(ImportRecord).where(
                    col(ImportRecord.organisation_id) == agency_id,
                    _mentions(col(ImportRecord.response), (str(i) for i in sorted(ids))),
                )
            ).all()
            for record in records:
                response, found = without_candidates(record.response, ids)
                if found:
                    record.response = response
                    session.add(record)
                    session.flush()
                for i in found:
                    named[i] += 1
    return named


def _scrub_rounds(session: Session, ids: set[int], since: datetime) -> dict[int, int]:
    """Round results (unassigned candidates, reserve lists) since the first candidate existed:
    the candidates' entries taken out. Per candidate, the number of rounds that named them.
    (The core's ids are strings: a result naming candidate 12 holds ``"12"``, which the
    database looks for first.)"""
    named: dict[int, int] = defaultdict(int)
    ordered = sorted(ids)
    for start in range(0, len(ordered), _PER_QUERY):
        chunk = ordered[start : start + _PER_QUERY]
        rounds = session.exec(
            select(Round).where(
                col(Round.result).is_not(None),
                col(Round.created_at) >= since,
                _mentions(col(Round.result), (f'"{i}"' for i in chunk)),
            )
        ).all()
        for found in rounds:
            result, hits = without_candidates(found.result, set(chunk))
            if hits:
                found.result = result
                session.add(found)
                session.flush()
            for i in hits:
                named[i] += 1
    return named


def _notices(
    erasure_id: int, candidate_id: int, receipts: Sequence[Receipt], *, secret: bytes
) -> list[ErasureNotice]:
    by_employer: dict[int, list[Receipt]] = defaultdict(list)
    for receipt in receipts:
        by_employer[receipt.employer_id].append(receipt)
    notices = []
    for employer_id, items in sorted(by_employer.items()):
        times = [r.at for r in items if r.at is not None]
        notices.append(
            ErasureNotice(
                erasure_id=erasure_id,
                employer_id=employer_id,
                pseudonym=pseudonym(secret, employer_id=employer_id, candidate_id=candidate_id),
                received=sorted({r.what for r in items}),
                first_received_at=min(times) if times else None,
            )
        )
    return notices

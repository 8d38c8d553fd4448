"""Erasure of a candidate (GDPR Art. 17) and the notices owed to the employers who had
received their data (Art. 19). See ``api.gdpr`` for what happens to each kind of row."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
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

__all__ = ["erase", "erasure_subject", "without_candidate"]


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
    """Erase the candidate's personal data from every table (see the module docstring); the
    erasure record (flushed). Audited ``candidate.erased``; the caller commits."""
    found = footprint(session, candidate_id)
    if not found.deleted.get("candidates"):
        raise LookupError(f"candidate {candidate_id} not found")
    [candidate] = found.deleted["candidates"].values()
    receipts = recipients(session, found)
    texts = {r["source_text"] for r in found.rows(CandidateConcept.__tablename__)}
    counts: dict[str, Any] = {}
    for name in found.tables():
        counts[name] = {
            "deleted": len(found.deleted.get(name, {})),
            "cleared": len(found.kept.get(name, {})),
        }
    _clear_kept(session, found)
    _delete(session, found)
    counts["curation"] = _scrub_curation(session, texts)
    counts["import_records"] = _scrub_imports(session, candidate_id, int(candidate["agency_id"]))
    counts["rounds"] = _scrub_rounds(session, candidate_id, candidate["created_at"])
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
    counts["notices"] = len(notices)
    erasure.counts = dict(counts)
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
            "tables": {k: v for k, v in counts.items() if isinstance(v, dict)},
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
        if not cleared:
            continue
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            raise NotImplementedError(f"{name}: erasure needs a one-column primary key")
        ids = [key[0] for key in rows]
        for start in range(0, len(ids), CHUNK):
            session.execute(
                update(table)
                .where(pk[0].in_(ids[start : start + CHUNK]))
                .values(cleared)
                .execution_options(synchronize_session=False)
            )


def _delete(session: Session, found: Footprint) -> None:
    """Deleted rows, children first (so that no foreign key depends on the database's
    cascades)."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        rows = found.deleted.get(table.name)
        if not rows:
            continue
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            raise NotImplementedError(f"{table.name}: erasure needs a one-column primary key")
        ids = [key[0] for key in rows]
        for start in range(0, len(ids), CHUNK):
            session.execute(
                delete(table)
                .where(pk[0].in_(ids[start : start + CHUNK]))
                .execution_options(synchronize_session=False)
            )
    session.expire_all()


def _scrub_curation(session: Session, texts: set[str]) -> dict[str, int]:
    """Queue items and synonyms made of the candidate's texts: kept (re-worded) while another
    profile holds a text of the same folded key, else deleted."""
    counts = {"deleted": 0, "reworded": 0}
    if not texts:
        return counts
    by_key: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        key = synonym_key(text)
        if key:
            by_key[key[:500]].add(text)
    keys = sorted(by_key)
    held: dict[str, str] = {}
    for table in (CandidateConcept, OpeningConcept):
        for start in range(0, len(keys), CHUNK):
            # The same folded key, searched as the exact texts and their lower-case forms.
            chunk = {
                v for k in keys[start : start + CHUNK] for t in by_key[k] for v in (t, t.lower())
            }
            statement = select(table.source_text).where(
                or_(col(table.source_text).in_(chunk), func.lower(table.source_text).in_(chunk))
            )
            for text in session.exec(statement).all():
                held.setdefault(synonym_key(text)[:500], text)
    items: list[CurationItem | Synonym] = []
    for start in range(0, len(keys), CHUNK):
        chunk_keys = keys[start : start + CHUNK]
        items += session.exec(
            select(CurationItem).where(col(CurationItem.text_key).in_(chunk_keys))
        ).all()
        items += session.exec(select(Synonym).where(col(Synonym.text_key).in_(chunk_keys))).all()
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


def without_candidate(value: Any, candidate_id: int) -> tuple[Any, int]:
    """``value`` (JSON) without the list entries naming the candidate (``{"candidate": id}``
    or ``{"candidate_id": id}``), and the candidate's id in ``ids`` lists replaced by null."""
    names = {candidate_id, str(candidate_id)}
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        removed = 0
        for key, item in value.items():
            if key == "ids" and isinstance(item, list):
                out[key] = [None if v in names else v for v in item]
                removed += sum(1 for v in item if v in names)
                continue
            out[key], n = without_candidate(item, candidate_id)
            removed += n
        return out, removed
    if isinstance(value, list):
        kept: list[Any] = []
        removed = 0
        for item in value:
            if isinstance(item, Mapping) and (
                item.get("candidate") in names or item.get("candidate_id") in names
            ):
                removed += 1
                continue
            scrubbed, n = without_candidate(item, candidate_id)
            kept.append(scrubbed)
            removed += n
        return kept, removed
    return value, 0


def _scrub_imports(session: Session, candidate_id: int, agency_id: int) -> dict[str, int]:
    """Stored import answers of the agency: the candidate's id taken out."""
    changed = 0
    for record in session.exec(
        select(ImportRecord).where(col(ImportRecord.organisation_id) == agency_id)
    ).all():
        response, removed = without_candidate(record.response, candidate_id)
        if removed:
            record.response = response
            session.add(record)
            changed += 1
    session.flush()
    return {"cleared": changed}


def _scrub_rounds(session: Session, candidate_id: int, since: datetime) -> dict[str, int]:
    """Round results (unassigned candidates, reserve lists) of the rounds since the
    candidate existed: the candidate's entries taken out."""
    changed = 0
    rounds = session.exec(
        select(Round).where(col(Round.result).is_not(None), col(Round.created_at) >= since)
    ).all()
    for found in rounds:
        result, removed = without_candidate(found.result, candidate_id)
        if removed:
            found.result = result
            session.add(found)
            changed += 1
    session.flush()
    return {"cleared": changed}


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

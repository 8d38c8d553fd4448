"""GDPR: a candidate's access export (Art. 15), erasure (Art. 17, with notices to the employers
who had received the data, Art. 19), and retention.

What belongs to a candidate is found from the schema, not from a list kept by hand: every table
with a foreign key to ``candidates.id`` — and, from those rows, every table with a foreign key
to *them* — as declared on ``SQLModel.metadata`` (``footprint``). A table added later is
covered as soon as its model is registered in ``api.models``.

Erasure, for each row of the footprint:

* a row the database would delete with the candidate (``ON DELETE CASCADE``, or no action) is
  deleted, children first;
* a row that outlives the candidate (``ON DELETE SET NULL`` — placements, decisions, identity
  reveals —, and the rows hanging off such a row, e.g. a placement's stage events) stays for
  the aggregate counts: its references to the candidate become NULL and its free-text columns
  (``free_text_columns``: strings longer than 64 characters, or any column whose
  ``info["personal"]`` is true) are cleared — a reason may quote the candidate;
* outside the foreign keys: the curation queue items and synonyms made of texts only this
  candidate held are deleted (or re-worded after another holder of the same folded text), the
  candidate's id is taken out of the stored answers of imports (``Idempotency-Key`` replays)
  and out of round results (unassigned candidates, reserve lists);
* the audit log is never touched (append-only, and pseudonymous by construction).

An ``Erasure`` row records it (pseudonymous subject, who, when, counts per table), one
``ErasureNotice`` per employer that had received the candidate's data (shortlisted in a
published round, a placement, an identity reveal), and the audit log gets ``candidate.erased``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Column, String, Table, TypeDecorator, delete, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import RowMapping
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, SQLModel, col, select

import api.models  # noqa: F401  (registers every table on SQLModel.metadata)
from api import audit
from api.models._types import as_utc, utc_now
from api.models.audit import AuditRecord
from api.models.candidates import Candidate, CandidateConcept, CandidatePublic
from api.models.curation import CurationItem, Synonym
from api.models.gdpr import (
    AuditEntry,
    CandidateExport,
    Disclosure,
    Erasure,
    ErasureNotice,
    ErasureTrigger,
    MatchExplanation,
    UnassignedExplanation,
)
from api.models.imports import ImportRecord
from api.models.openings import OpeningConcept
from api.models.organisations import Organisation
from api.models.placements import Placement
from api.models.rounds import Round
from api.pseudonyms import pseudonym
from skills_taxonomy.normalizer import synonym_key

__all__ = [
    "CLOSED_STAGES",
    "Footprint",
    "base_type",
    "candidate_links",
    "erase",
    "erasure_subject",
    "export",
    "footprint",
    "free_text_columns",
    "recipients",
    "retention_due",
]

#: Tables erasure never changes: the audit log is append-only and holds no personal data.
UNTOUCHED = frozenset({"audit_log", "erasures", "erasure_notices"})
#: Stages after which a placement is over (for retention).
CLOSED_STAGES = frozenset({"closed", "returned", "reintegrated"})
#: A string column longer than this is free text (codes, hashes and ids are shorter).
FREE_TEXT_MIN_LENGTH = 65
#: What an employer received through a table's rows, for the notices and the export.
RECEIVED_AS: dict[str, str] = {
    "round_assignments": "shortlist",
    "placements": "placement",
    "identity_reveals": "identity",
}
#: Column holding when the row's content reached the employer, per table (else created_at).
_RECEIVED_AT = ("at", "published_at", "created_at", "decided_at")
_CHUNK = 500

Fate = Literal["deleted", "kept"]


# --- the schema's view of a candidate --------------------------------------------------------


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
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
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


# --- who received what -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receipt:
    """Employer ``employer_id`` received the candidate's data as ``what`` (``shortlist``,
    ``placement``, ``identity``…) through row ``row_id`` of ``table``, at ``at``."""

    employer_id: int
    what: str
    table: str
    row_id: int | None
    at: datetime | None


def _published_rounds(session: Session, round_ids: Iterable[int]) -> dict[int, datetime | None]:
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
        if "employer_id" not in table.c or name in ("consents",):
            continue
        rows = found.rows(name)
        published = (
            _published_rounds(session, (r["round_id"] for r in rows))
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


# --- erasure ---------------------------------------------------------------------------------


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
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                update(table)
                .where(pk[0].in_(ids[start : start + _CHUNK]))
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
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                delete(table)
                .where(pk[0].in_(ids[start : start + _CHUNK]))
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
        for start in range(0, len(keys), _CHUNK):
            # The same folded key, searched as the exact texts and their lower-case forms.
            chunk = {
                v for k in keys[start : start + _CHUNK] for t in by_key[k] for v in (t, t.lower())
            }
            statement = select(table.source_text).where(
                or_(col(table.source_text).in_(chunk), func.lower(table.source_text).in_(chunk))
            )
            for text in session.exec(statement).all():
                held.setdefault(synonym_key(text)[:500], text)
    items: list[CurationItem | Synonym] = []
    for start in range(0, len(keys), _CHUNK):
        chunk_keys = keys[start : start + _CHUNK]
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


def _without_candidate(value: Any, candidate_id: int) -> tuple[Any, int]:
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
            out[key], n = _without_candidate(item, candidate_id)
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
            scrubbed, n = _without_candidate(item, candidate_id)
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
        response, removed = _without_candidate(record.response, candidate_id)
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
        result, removed = _without_candidate(found.result, candidate_id)
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


# --- retention -------------------------------------------------------------------------------


def retention_due(
    session: Session,
    *,
    retention_days: int,
    now: datetime | None = None,
    among: Sequence[int] | None = None,
) -> list[int]:
    """Candidates to erase: every placement of theirs over (closed, returned, reintegrated) —
    or none at all — and nothing about them changed for ``retention_days`` (their profile,
    their placements). ``among``: only these candidates are considered."""
    cutoff = (now or utc_now()) - timedelta(days=retention_days)
    open_placements = select(Placement.candidate_id).where(
        col(Placement.candidate_id).is_not(None), col(Placement.stage).not_in(CLOSED_STAGES)
    )
    recent_placements = select(Placement.candidate_id).where(
        col(Placement.candidate_id).is_not(None), col(Placement.updated_at) >= cutoff
    )
    only = [] if among is None else [col(Candidate.id).in_(list(among))]
    rows = session.exec(
        select(Candidate.id)
        .where(
            col(Candidate.updated_at) < cutoff,
            col(Candidate.id).not_in(open_placements),
            col(Candidate.id).not_in(recent_placements),
            *only,
        )
        .order_by(col(Candidate.id))
    ).all()
    return [int(i) for i in rows if i is not None]


def _audit_rows(session: Session, candidate_id: int, since: datetime) -> list[AuditRecord]:
    return list(
        session.exec(
            select(AuditRecord)
            .where(
                col(AuditRecord.subject_type) == "candidate",
                col(AuditRecord.subject_id) == str(candidate_id),
                col(AuditRecord.at) >= since,
            )
            .order_by(col(AuditRecord.id))
        ).all()
    )


# --- access export ---------------------------------------------------------------------------


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
    published = _published_rounds(session, (a["round_id"] for a in assignments))
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
        .where(col(Round.result).is_not(None), col(Round.created_at) >= since)
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

"""Appending to and verifying the hash-chained audit log (``api.models.audit``).

``append`` adds a record inside the caller's transaction, so a decision and its audit record
commit (or roll back) together. Appends are serialised: on SQLite by the write transaction
(``BEGIN IMMEDIATE``), on PostgreSQL by a transaction-scoped advisory lock, so two writers
never chain onto the same predecessor (the unique ``prev_hash`` would refuse it anyway).

``verify`` recomputes the chain in id order and names the first record whose link or digest
does not match — a changed payload, a removed record, a re-ordered one.

Payloads must be pseudonymous: ``append`` refuses keys that name personal data, and strings
longer than ``MAX_PAYLOAD_STRING`` (free text belongs in the decision tables, not the log).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from api.models._types import as_utc, utc_now
from api.models.audit import GENESIS_HASH, AuditRecord
from matching._canonical import dumps

__all__ = ["ChainReport", "append", "record_digest", "verify"]

#: Transaction-scoped advisory lock key of the audit chain (PostgreSQL).
_LOCK_KEY = 0x4D4D_4155  # "MMAU"
#: Keys a payload may never carry (at any depth).
PERSONAL_KEYS = frozenset(
    {"name", "full_name", "email", "phone", "birth_date", "address", "reason_text", "note"}
)
MAX_PAYLOAD_STRING = 200
_BATCH = 5_000


def record_digest(record: AuditRecord) -> str:
    """SHA-256 (hex) of the previous hash and the record's canonical JSON."""
    body = {
        "id": record.id,
        "at": as_utc(record.at).isoformat(timespec="microseconds"),
        "actor_user_id": record.actor_user_id,
        "action": record.action,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "payload": record.payload,
    }
    return hashlib.sha256((record.prev_hash + dumps(body)).encode()).hexdigest()


def append(
    session: Session,
    *,
    actor_user_id: int | None,
    action: str,
    subject_type: str,
    subject_id: int | str,
    payload: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Chain a new record onto the log (flushed, not committed: the caller commits)."""
    body = dict(payload or {})
    _check_pseudonymous(body)
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = session.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc()).limit(1)).first()
    record = AuditRecord(
        id=1 if last is None else last.id + 1,
        # Stored to the microsecond on every database, so the digest can be recomputed.
        at=utc_now(),
        actor_user_id=actor_user_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=body,
        prev_hash=GENESIS_HASH if last is None else last.hash,
        hash="",
    )
    record.hash = record_digest(record)
    session.add(record)
    session.flush()
    return record


def _check_pseudonymous(value: object, path: str = "payload") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).lower() in PERSONAL_KEYS:
                raise ValueError(f"audit {path}.{key}: personal data may not enter the log")
            _check_pseudonymous(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_pseudonymous(item, f"{path}[{index}]")
    elif isinstance(value, str) and len(value) > MAX_PAYLOAD_STRING:
        raise ValueError(f"audit {path}: strings are limited to {MAX_PAYLOAD_STRING} characters")


@dataclass(frozen=True, slots=True)
class ChainReport:
    """``ok`` when every record links to its predecessor and matches its digest; else the
    id of the first broken record and what is wrong with it."""

    records: int
    ok: bool
    first_broken: int | None = None
    problem: str | None = None


def _records(session: Session) -> Iterator[AuditRecord]:
    after = 0
    while True:
        batch = session.exec(
            select(AuditRecord)
            .where(col(AuditRecord.id) > after)
            .order_by(col(AuditRecord.id))
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def verify(session: Session) -> ChainReport:
    """Recompute the chain from the first record (streamed in batches)."""
    expected_prev, expected_id = GENESIS_HASH, 1
    for count, record in enumerate(_records(session), start=1):
        if record.id != expected_id:
            return ChainReport(
                count, False, record.id, f"record {expected_id} is missing (next is {record.id})"
            )
        if record.prev_hash != expected_prev:
            return ChainReport(
                count, False, record.id, "its link does not match the previous record's hash"
            )
        if record_digest(record) != record.hash:
            return ChainReport(count, False, record.id, "its content does not match its hash")
        expected_prev, expected_id = record.hash, record.id + 1
    total = session.exec(select(func.count()).select_from(AuditRecord)).one()
    return ChainReport(int(total), True)

"""A round's rows: its inputs read and converted, its status changes, its stored result.

Every status change is a conditional update (``... WHERE status IN (...)``) in its own
transaction, so a stop and a finishing worker cannot both win: a result is stored only while
the round is ``running``, and a stopped, failed or finished round never changes again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

import matching
from api import audit
from api.convert import CONCEPT_COLUMNS, ConceptRow, to_candidate, to_opening
from api.db import open_session
from api.gdpr.erasure import without_candidates
from api.models._types import utc_now
from api.models.candidates import Candidate, CandidateConcept
from api.models.openings import Opening, OpeningConcept
from api.models.rounds import Round, RoundAssignment, RoundStatus
from matching._canonical import digest
from matching.round import STAGES

__all__ = [
    "is_running",
    "load_records",
    "mark_failed",
    "mark_running",
    "mark_stopped",
    "queue_round",
    "queued_rounds",
    "read_records",
    "record_stage",
    "requeue",
    "store_result",
]

_ACTIVE: tuple[RoundStatus, ...] = ("queued", "running")
#: What a round's ``result`` keeps (reserves: per job opening, ``matching.reserves``).
RESULT_KEYS = ("metrics", "manifest", "unassigned", "reserves")


def queue_round(session: Session, *, policy: dict[str, Any], created_by: int | None) -> Round:
    """A new queued round (flushed, audited ``round.created``); the caller commits, then hands
    its id to the runner."""
    found = Round(created_by=created_by, policy=policy)
    session.add(found)
    session.flush()
    assert found.id is not None
    audit.append(
        session,
        actor_user_id=created_by,
        action="round.created",
        subject_type="round",
        subject_id=found.id,
        payload={"policy_digest": digest(policy), "mode": str(policy.get("mode", "optimal"))},
    )
    return found


def _transition(
    session: Session, round_id: int, *, source: Sequence[RoundStatus], **values: Any
) -> bool:
    statement = (
        update(Round)
        .where(col(Round.id) == round_id, col(Round.status).in_(source))
        .values(**values)
    )
    changed: int = session.execute(statement).rowcount  # type: ignore[attr-defined]
    return changed == 1


def mark_running(engine: Engine, round_id: int) -> dict[str, Any] | None:
    """Queued → running; the round's policy JSON, or None when it is no longer queued."""
    with open_session(engine, mode="write") as session:
        if not _transition(
            session, round_id, source=("queued",), status="running", started_at=utc_now()
        ):
            return None
        session.commit()
        found = session.get(Round, round_id)
        assert found is not None
        return dict(found.policy)


def requeue(engine: Engine, round_id: int) -> bool:
    """Running → queued, progress cleared: the service stops mid-round and a later start (of
    this or another process) runs it again from its inputs."""
    with open_session(engine, mode="write") as session:
        done = _transition(
            session,
            round_id,
            source=("running",),
            status="queued",
            stage=None,
            progress=0.0,
            started_at=None,
        )
        session.commit()
    return done


def queued_rounds(engine: Engine) -> list[int]:
    """Ids of the rounds waiting to run, oldest first."""
    with open_session(engine, mode="read") as session:
        statement = select(Round.id).where(col(Round.status) == "queued").order_by(col(Round.id))
        return [i for i in session.exec(statement).all() if i is not None]


def mark_stopped(engine: Engine, round_id: int) -> bool:
    with open_session(engine, mode="write") as session:
        done = _transition(
            session, round_id, source=_ACTIVE, status="stopped", finished_at=utc_now()
        )
        session.commit()
    return done


def mark_failed(engine: Engine, round_id: int, error: str) -> bool:
    with open_session(engine, mode="write") as session:
        done = _transition(
            session,
            round_id,
            source=_ACTIVE,
            status="failed",
            error=error[:2000],
            finished_at=utc_now(),
        )
        session.commit()
    return done


def record_stage(engine: Engine, round_id: int, stage: str) -> bool:
    """Record a finished stage of a running round; False when it is no longer running
    (stopped, possibly by another server process)."""
    progress = (STAGES.index(stage) + 1) / len(STAGES) if stage in STAGES else 0.0
    with open_session(engine, mode="write") as session:
        running = _transition(
            session, round_id, source=("running",), stage=stage[:32], progress=min(progress, 0.99)
        )
        session.commit()
    return running


def is_running(engine: Engine, round_id: int) -> bool:
    """Whether the round is still ``running`` (not stopped by another server process)."""
    with open_session(engine, mode="read") as session:
        statement = select(Round.status).where(col(Round.id) == round_id)
        return session.exec(statement).first() == "running"


def load_records(
    engine: Engine, round_id: int
) -> tuple[list[matching.Candidate], list[matching.Opening]]:
    """The programme's current candidates and openings as matching records."""
    with open_session(engine, mode="read") as session:
        records = read_records(session)
    with open_session(engine, mode="write") as session:
        _transition(
            session,
            round_id,
            source=("running",),
            candidates=len(records[0]),
            openings=len(records[1]),
        )
        session.commit()
    return records


def read_records(
    session: Session,
    *,
    candidate_ids: Collection[int] | None = None,
    opening_ids: Collection[int] | None = None,
) -> tuple[list[matching.Candidate], list[matching.Opening]]:
    """Candidates and openings (all, or those of the given ids) as matching records, by id."""
    c_where = [] if candidate_ids is None else [col(Candidate.id).in_(sorted(candidate_ids))]
    o_where = [] if opening_ids is None else [col(Opening.id).in_(sorted(opening_ids))]
    candidates = session.exec(select(Candidate).where(*c_where).order_by(col(Candidate.id))).all()
    openings = session.exec(select(Opening).where(*o_where).order_by(col(Opening.id))).all()
    c_concepts = _concept_rows(session, CandidateConcept, "candidate_id", candidate_ids)
    o_concepts = _concept_rows(session, OpeningConcept, "opening_id", opening_ids)
    return (
        [to_candidate(c, c_concepts.get(c.id or 0, [])) for c in candidates],
        [to_opening(o, o_concepts.get(o.id or 0, [])) for o in openings],
    )


def _concept_rows(
    session: Session,
    table: type[CandidateConcept] | type[OpeningConcept],
    owner: str,
    owner_ids: Collection[int] | None = None,
) -> dict[int, list[ConceptRow]]:
    """Every concept row of ``table`` per owner id (of ``owner_ids``, when given), in
    insertion order, as plain tuples."""
    columns = [getattr(table, name) for name in (owner, *CONCEPT_COLUMNS)]
    where = [] if owner_ids is None else [columns[0].in_(sorted(owner_ids))]
    out: dict[int, list[ConceptRow]] = {}
    for owner_id, *values in session.execute(
        select(*columns).where(*where).order_by(col(table.id))
    ):
        out.setdefault(owner_id, []).append(ConceptRow(*values))
    return out


def _without_erased(result: dict[str, Any], candidates: set[int | None]) -> dict[str, Any]:
    """The stored part of ``result``, without candidates erased while the round ran."""
    stored = {k: result[k] for k in RESULT_KEYS if k in result}
    named = {int(u["candidate"]) for u in stored.get("unassigned", [])}
    for reserve in stored.get("reserves", {}).values():
        named.update(int(r["candidate"]) for r in reserve)
    gone = named - candidates
    if not gone:
        return stored
    scrubbed, _found = without_candidates(stored, gone)
    return dict(scrubbed)


def store_result(engine: Engine, round_id: int, result: dict[str, Any]) -> bool:
    """Store a finished round in one transaction, if it is still running (else nothing)."""
    with open_session(engine, mode="write") as session:
        employers = {i: e for i, e in session.execute(select(Opening.id, Opening.employer_id))}
        candidates = set(session.exec(select(Candidate.id)).all())
        if not _transition(
            session,
            round_id,
            source=("running",),
            status="done",
            stage=STAGES[-1],
            progress=1.0,
            result=_without_erased(result, candidates),
            output_hash=result["manifest"]["output_hash"],
            finished_at=utc_now(),
        ):
            session.rollback()
            return False
        rows = []
        for a in result["assignments"]:
            opening_id, candidate_id = int(a["opening"]), int(a["candidate"])
            if opening_id not in employers or candidate_id not in candidates:
                continue  # deleted (erased) while the round ran
            rows.append(
                RoundAssignment(
                    round_id=round_id,
                    candidate_id=candidate_id,
                    opening_id=opening_id,
                    employer_id=employers[opening_id],
                    score=float(a["score"]),
                    explanation=a["explanation"],
                )
            )
        session.add_all(rows)
        audit.append(
            session,
            actor_user_id=None,
            action="round.finished",
            subject_type="round",
            subject_id=round_id,
            payload=_finished_payload(result, len(rows)),
        )
        session.commit()
    return True


def _finished_payload(result: dict[str, Any], assignments: int) -> dict[str, Any]:
    """What the audit log keeps of a finished round: hashes, versions and counts."""
    manifest = result["manifest"]
    return {
        "input_hash": manifest.get("input_hash"),
        "policy_digest": digest(manifest.get("policy", {})),
        "taxonomy_version": str(manifest.get("taxonomy_version", ""))[:200],
        "solver": str(manifest.get("solver", ""))[:200],
        "output_hash": manifest.get("output_hash"),
        "assignments": assignments,
        "unassigned": len(result.get("unassigned", [])),
    }

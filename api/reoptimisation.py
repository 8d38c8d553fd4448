"""Re-optimising a reviewed round: staff decisions become the next round's locks and forbidden
pairs, and ``matching.reoptimise`` moves as few people as the best total score allows.

From the previous round's latest decisions: locked and accepted pairs are kept (locks), an
override's new pair is imposed (a lock), rejected pairs and overridden-out pairs are
forbidden; the previous round's own locks and forbidden pairs stay in force. The solver graph
is rebuilt by scoring the programme's current candidates and openings under the round's policy
(``matching.reoptimise.score_extra_edges``), with the decided pairs scored whatever their
rules. The result is stored as a new ``done`` round (reviewed and published afresh) whose
policy holds the locks and forbidden pairs now in force, and whose result keeps, under
``reoptimisation``, the previous round's id and every move — who moved, from where to where,
the core's reason and the staff decision behind it (its id, reviewer and reason code).

Inputs are read in one read transaction, the solving runs outside any transaction, and the new
round is stored (and audited ``reoptimisation.run``) in one write transaction.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

import matching
from api import audit
from api.auth import Principal
from api.db import open_session
from api.models._types import utc_now
from api.models.openings import Opening
from api.models.review import Decision, Move, ReoptimisationResult
from api.models.rounds import Round, RoundAssignment
from api.pair_scores import bundled_taxonomy, score_records
from api.review import latest_decisions, load_done_round
from api.round_store import read_records
from matching._canonical import digest, jsonable
from matching.changes import Changes
from matching.fairness import group_rates
from matching.io import policy_from_dict
from matching.reoptimise import PreviousRound, Reoptimisation, reoptimise, score_extra_edges
from matching.reserves import reserve_lists
from skills_taxonomy.taxonomy import Taxonomy

__all__ = ["reoptimise_round"]

Pair = tuple[str, str]
_SOLVER = "reoptimise: optimal (lexicographic: total score, then previous placements kept)"


@dataclasses.dataclass(frozen=True, slots=True)
class _Inputs:
    previous: Round
    rows: tuple[RoundAssignment, ...]
    decisions: dict[tuple[int, int], Decision]
    candidates: list[matching.Candidate]
    openings: list[matching.Opening]
    employers: dict[int, int]


def reoptimise_round(
    engine: Engine, *, round_id: int, actor: Principal, taxonomy: Taxonomy | None = None
) -> ReoptimisationResult:
    """Re-optimise the done round ``round_id`` after its decisions (see the module docstring);
    the new round's id, who moved and why. 404/409 as ``api.review.load_done_round``."""
    with open_session(engine, mode="read") as session:
        inputs = _read(session, round_id)
    tax = taxonomy if taxonomy is not None else bundled_taxonomy()
    policy = _policy_in_force(inputs)
    changes = _changes(inputs.decisions)
    decided = [*policy.locks, *changes.locks, *changes.accepted]
    edges = score_extra_edges(
        inputs.candidates, inputs.openings, pairs=decided, policy=policy, taxonomy=tax
    )
    previous = PreviousRound(
        edges=edges,
        assignments=tuple((str(r.candidate_id), str(r.opening_id), r.score) for r in inputs.rows),
        candidates=tuple(c.id for c in inputs.candidates),
        capacity={o.id: o.capacity for o in inputs.openings},
        locks=policy.locks,
        forbidden=policy.forbidden,
    )
    result = reoptimise(previous, changes)
    moves = _moves(result, inputs.decisions)
    new_policy = jsonable(policy)
    new_policy["locks"] = [list(p) for p in result.locks]
    new_policy["forbidden"] = [list(p) for p in result.forbidden]
    explained = _explanations(inputs, result, new_policy, tax)
    with open_session(engine, mode="write") as session:
        stored = _store(
            session,
            inputs,
            result,
            moves=moves,
            policy=new_policy,
            explained=explained,
            changes=changes,
            taxonomy=tax,
            actor=actor,
        )
        assert stored.id is not None
        audit.append(
            session,
            actor_user_id=actor.user_id,
            action="reoptimisation.run",
            subject_type="round",
            subject_id=stored.id,
            payload={
                "previous_round_id": round_id,
                "based_on": inputs.previous.output_hash,
                "output_hash": stored.output_hash,
                "policy_digest": digest(new_policy),
                # Decisions are only appended: the last id names the set in force.
                "decisions": len(inputs.decisions),
                "last_decision_id": max(
                    (d.id or 0 for d in inputs.decisions.values()), default=None
                ),
                "placed": len(result.placements),
                "kept": result.kept,
                "moved": len(moves),
            },
        )
        session.commit()
        return ReoptimisationResult(
            round_id=stored.id,
            previous_round_id=round_id,
            placed=len(result.placements),
            kept=result.kept,
            moves=moves,
        )


def _read(session: Session, round_id: int) -> _Inputs:
    previous = load_done_round(session, round_id)
    rows = session.exec(
        select(RoundAssignment)
        .where(col(RoundAssignment.round_id) == round_id)
        .order_by(col(RoundAssignment.id))
    ).all()
    candidates, openings = read_records(session)
    employers = {i: e for i, e in session.exec(select(Opening.id, Opening.employer_id)) if i}
    return _Inputs(
        previous=previous,
        rows=tuple(rows),
        decisions=latest_decisions(session, round_id),
        candidates=candidates,
        openings=openings,
        employers=employers,
    )


def _policy_in_force(inputs: _Inputs) -> matching.Policy:
    """The previous round's policy, its locks and forbidden pairs restricted to the records
    that still exist (an erased candidate's lock goes with them)."""
    policy = policy_from_dict(dict(inputs.previous.policy))
    known_c = {c.id for c in inputs.candidates}
    known_o = {o.id for o in inputs.openings}

    def alive(pairs: tuple[Pair, ...]) -> tuple[Pair, ...]:
        return tuple(p for p in pairs if p[0] in known_c and p[1] in known_o)

    return dataclasses.replace(
        policy, locks=alive(policy.locks), forbidden=alive(policy.forbidden), quotas=()
    )


def _changes(decisions: Mapping[tuple[int, int], Decision]) -> Changes:
    locks: set[Pair] = set()
    accepted: set[Pair] = set()
    forbidden: set[Pair] = set()
    for (c, o), d in decisions.items():
        pair = (str(c), str(o))
        if d.action == "lock":
            locks.add(pair)
        elif d.action == "accept":
            accepted.add(pair)
        else:  # reject, or override: the proposed pair is out
            forbidden.add(pair)
            if d.action == "override" and d.new_candidate_id is not None:
                locks.add((str(d.new_candidate_id), str(o)))
    return Changes(
        locks=tuple(sorted(locks)),
        accepted=tuple(sorted(accepted - locks)),
        forbidden=tuple(sorted(forbidden - locks - accepted)),
    )


def _cause(
    decisions: Mapping[tuple[int, int], Decision], candidate: int, pairs: list[int | None]
) -> Decision | None:
    """The staff decision behind a move: on the pair left, or on the pair taken."""
    for opening in pairs:
        if opening is not None and (candidate, opening) in decisions:
            return decisions[(candidate, opening)]
    for (_, opening), d in decisions.items():
        if d.action == "override" and d.new_candidate_id == candidate and opening in pairs:
            return d
    return None


def _moves(result: Reoptimisation, decisions: Mapping[tuple[int, int], Decision]) -> list[Move]:
    out = []
    for m in result.moves:
        candidate = int(m.candidate)
        before = None if m.before is None else int(m.before)
        after = None if m.after is None else int(m.after)
        cause = _cause(decisions, candidate, [before, after])
        out.append(
            Move(
                candidate_id=candidate,
                before=before,
                after=after,
                score_before=m.score_before,
                score_after=m.score_after,
                reason=m.reason,
                decision_id=None if cause is None else cause.id,
                decided_by=None if cause is None else cause.decided_by,
                reason_code=None if cause is None else cause.reason_code,
            )
        )
    return out


def _explanations(
    inputs: _Inputs,
    result: Reoptimisation,
    policy: dict[str, Any],
    taxonomy: Taxonomy,
) -> dict[tuple[int, int], tuple[float, dict[str, Any]]]:
    """Score and explanation of every new placement: the previous round's for a kept pair,
    the core's (``api.pair_scores``) for the others."""
    known = {(r.candidate_id, r.opening_id): (r.score, r.explanation) for r in inputs.rows}
    out: dict[tuple[int, int], tuple[float, dict[str, Any]]] = {}
    fresh = []
    for p in result.placements:
        pair = (int(p.candidate), int(p.opening))
        if pair in known:
            out[pair] = known[pair]
        else:
            fresh.append(pair)
    for pair, (score, explanation) in score_records(
        inputs.candidates, inputs.openings, fresh, policy=policy, taxonomy=taxonomy
    ).items():
        out[pair] = (score, explanation)
    locked = {(int(p.candidate), int(p.opening)) for p in result.placements if p.locked}
    return {
        pair: (score, {**explanation, "locked": pair in locked})
        for pair, (score, explanation) in out.items()
    }


def _store(
    session: Session,
    inputs: _Inputs,
    result: Reoptimisation,
    *,
    moves: list[Move],
    policy: dict[str, Any],
    explained: Mapping[tuple[int, int], tuple[float, dict[str, Any]]],
    changes: Changes,
    taxonomy: Taxonomy,
    actor: Principal,
) -> Round:
    placements = [(p.candidate, p.opening, p.score) for p in result.placements]
    jobs = {o.id for o in inputs.openings if o.kind == "job"}
    reserves = reserve_lists(
        result.edges, placements, jobs=jobs, size=int(policy.get("reserves", 5))
    )
    before = {
        str(u.get("candidate")): u.get("reason", "outcompeted")
        for u in (inputs.previous.result or {}).get("unassigned", [])
        if isinstance(u, dict)
    }
    body: dict[str, Any] = {
        "assignments": jsonable(result.placements),
        "moves": [m.model_dump() for m in moves],
        "unassigned": [
            {"candidate": c, "reason": before.get(c, "outcompeted")} for c in result.unassigned
        ],
        "reserves": jsonable(reserves),
    }
    output_hash = digest(body)
    manifest = {
        "based_on": inputs.previous.output_hash,
        "previous_round_id": inputs.previous.id,
        "changes": jsonable(changes),
        "policy": policy,
        "capacity": dict(result.capacity),
        "taxonomy_version": taxonomy.version,
        "solver": _SOLVER,
        "score_bits": result.score_bits,
        "objective": result.objective,
        "edges": result.edges.height,
        "input_hash": digest({"based_on": inputs.previous.output_hash, "policy": policy}),
        "output_hash": output_hash,
    }
    now = utc_now()
    stored = Round(
        created_by=actor.user_id,
        status="done",
        stage="report",
        progress=1.0,
        policy=policy,
        candidates=len(inputs.candidates),
        openings=len(inputs.openings),
        result={
            "metrics": _metrics(inputs, result),
            "manifest": manifest,
            "unassigned": body["unassigned"],
            "reserves": body["reserves"],
            "reoptimisation": {
                "previous_round_id": inputs.previous.id,
                "kept": result.kept,
                "moves": body["moves"],
            },
        },
        output_hash=output_hash,
        created_at=now,
        started_at=now,
        finished_at=now,
    )
    session.add(stored)
    session.flush()
    assert stored.id is not None
    rows = []
    for p in result.placements:
        pair = (int(p.candidate), int(p.opening))
        if pair[1] not in inputs.employers:
            continue  # deleted since the inputs were read
        score, explanation = explained.get(pair, (p.score, {}))
        rows.append(
            RoundAssignment(
                round_id=stored.id,
                candidate_id=pair[0],
                opening_id=pair[1],
                employer_id=inputs.employers[pair[1]],
                score=score,
                explanation=explanation,
            )
        )
    session.add_all(rows)
    return stored


def _metrics(inputs: _Inputs, result: Reoptimisation) -> dict[str, Any]:
    scores = [p.score for p in result.placements]
    placed = {p.candidate for p in result.placements}
    return {
        "candidates": len(inputs.candidates),
        "candidates_placed": len(placed),
        "places_total": sum(o.capacity for o in inputs.openings),
        "places_filled": len(result.placements),
        "mean_score": statistics.fmean(scores) if scores else None,
        "median_score": float(statistics.median(scores)) if scores else None,
        "by_gender": group_rates(
            ((c.gender or "unknown"), c.id in placed) for c in inputs.candidates
        ),
        "by_origin": group_rates(
            ((c.origin or "unknown"), c.id in placed) for c in inputs.candidates
        ),
    }

"""Re-optimisation: a round's result updated for what changed, moving as few people as possible.

Input: the previous round (its solver graph as an edge frame, its placements, its candidates,
the openings' capacities and the policy's locks and forbidden pairs — ``PreviousRound``) and
``matching.changes.Changes``. Output: ``Reoptimisation``, with every placement, every move and
its reason.

Rules. Drop-outs leave (their locks with them); forbidden pairs (old and new) are no edges; a
new ``forbidden`` on a previously locked pair lifts that lock; previous locks, new locks and
accepted placements are all kept (a new lock that is also newly forbidden is an error); new
capacities and new openings apply. Pairs must be edges of the graph: previous edges, or
``extra`` edges the caller scored (``score_extra_edges``) for new openings and for locks on
pairs the previous shortlist left out.

Objective (exact, lexicographic): first the maximum total score, then, among the solutions
reaching it, the most previous placements kept (so the fewest people moved). With ``K`` the
number of unlocked edges that are previous placements, ``M = K + 1`` and ``L = bit_length(M)``,
scores are quantised to ``q = rint(score * 2**(B - e))`` with ``B = 38 - L`` bits
(``max|score| < 2**e``), and the optimal solver maximises the integers
``W = q * M + [edge is a previous placement]`` (all below ``2**39``, given to the solver as
exact integer weights). Proof: for feasible ``X``, ``Y`` with ``Q(X) > Q(Y)``
(sums of ``q``, integers, so ``Q(X) >= Q(Y) + 1``) ``W(X) - W(Y) >= M - K = 1 > 0``, whatever
their kept counts (each in ``0..K``); so a maximum of ``W`` maximises ``Q`` and, among equal
``Q``, the kept count. The total is thus exact on ``B``-bit scores (``B = 23`` for 30k previous
placements): against the float optimum it loses at most ``n_assigned * max|score| * 2**-B``,
the price of never moving people for differences below that resolution.

Reasons (first that applies): ``dropped_out``; ``forbidden`` (their pair was forbidden);
``locked`` (staff locked them, or they accepted, where they are now); ``capacity_reduced``
(their opening lost places); ``displaced_by_lock`` (their opening now holds a newly locked or
accepted candidate); ``newly_placed`` (unassigned before: a place freed or opened);
``better_total`` (any other move: part of a chain that raises the total score).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from matching.changes import Changes
from matching.errors import InfeasibleError, InvalidRecordError
from matching.features import Features
from matching.records import Candidate, Opening, Policy, RoundResult
from matching.scoring import SkillModel
from matching.shortlist import build_shortlist
from matching.solvers.graph import AssignmentGraph
from matching.solvers.optimal import WEIGHT_BITS, solve_optimal
from matching.validation import validate
from skills_taxonomy.taxonomy import Taxonomy

__all__ = [
    "Move",
    "MoveReason",
    "Placement",
    "PreviousRound",
    "Reoptimisation",
    "reoptimise",
    "score_extra_edges",
]

MoveReason = Literal[
    "dropped_out",
    "forbidden",
    "locked",
    "capacity_reduced",
    "displaced_by_lock",
    "newly_placed",
    "better_total",
]
Pair = tuple[str, str]
_TOTAL_BITS = WEIGHT_BITS - 2


@dataclass(frozen=True, slots=True)
class PreviousRound:
    """What re-optimisation needs of a round. ``edges``: columns candidate, opening, score
    (``RoundResult.edges``); ``assignments``: (candidate, opening, score); ``candidates``:
    every candidate id of the round; ``capacity``: places per opening id."""

    edges: pl.DataFrame
    assignments: tuple[tuple[str, str, float], ...]
    candidates: tuple[str, ...]
    capacity: Mapping[str, int]
    locks: tuple[Pair, ...] = ()
    forbidden: tuple[Pair, ...] = ()

    @classmethod
    def from_result(
        cls,
        result: RoundResult,
        *,
        candidates: Sequence[Candidate],
        openings: Sequence[Opening],
        policy: Policy,
    ) -> PreviousRound:
        """The previous round of ``run_round(candidates, openings, policy)``."""
        return cls(
            edges=result.edges,
            assignments=tuple((a.candidate, a.opening, a.score) for a in result.assignments),
            candidates=tuple(c.id for c in candidates),
            capacity={o.id: o.capacity for o in openings},
            locks=policy.locks,
            forbidden=policy.forbidden,
        )


@dataclass(frozen=True, slots=True)
class Placement:
    """A placement of the new result; ``previous``: the candidate's opening before (or None)."""

    candidate: str
    opening: str
    score: float
    locked: bool
    previous: str | None


@dataclass(frozen=True, slots=True)
class Move:
    """A candidate whose placement changed (``before``/``after`` None: unassigned)."""

    candidate: str
    before: str | None
    after: str | None
    score_before: float | None
    score_after: float | None
    reason: MoveReason


@dataclass(frozen=True, slots=True)
class Reoptimisation:
    """The new result. ``kept``: previous placements kept; ``locks``/``forbidden``/``capacity``:
    the policy and places now in force (to chain a further re-optimisation); ``edges``: the
    graph solved (columns candidate, opening, score, sorted)."""

    placements: tuple[Placement, ...]
    moves: tuple[Move, ...]
    unassigned: tuple[str, ...]
    objective: float
    kept: int
    score_bits: int
    locks: tuple[Pair, ...]
    forbidden: tuple[Pair, ...]
    capacity: Mapping[str, int]
    edges: pl.DataFrame


def reoptimise(
    previous: PreviousRound, changes: Changes, *, extra: pl.DataFrame | None = None
) -> Reoptimisation:
    """Apply ``changes`` to ``previous`` and re-solve (see the module docstring)."""
    cand_ids = sorted(set(previous.candidates))
    known_c = set(cand_ids)
    old_open = set(previous.capacity)
    _check_previous(previous, known_c, old_open)
    dropped = _check_changes(changes, known_c, old_open)
    capacity = dict(previous.capacity)
    for o in changes.new_openings:
        capacity[o.id] = o.capacity
    capacity.update(dict(changes.capacity))
    new_forbidden = set(changes.forbidden)
    for field, pairs in (("locks", changes.locks), ("accepted", changes.accepted)):
        for k, pair in enumerate(pairs):
            if pair in new_forbidden:
                raise InvalidRecordError("changes", f"{field}[{k}]", f"{pair} is also forbidden")
    forbidden = sorted({p for p in previous.forbidden if p[0] not in dropped} | new_forbidden)
    new_locks = {*changes.locks, *changes.accepted}
    locks = sorted(
        {p for p in previous.locks if p[0] not in dropped and p not in new_forbidden} | new_locks
    )
    live = [c for c in cand_ids if c not in dropped]
    open_ids = sorted(capacity)
    frame, cand, opening = _edge_frame(previous.edges, extra, live, open_ids, forbidden)
    graph, lock_mask = _graph(frame, cand, opening, live, open_ids, capacity, locks, changes)
    prev_open = _previous_rows(previous, live, open_ids)
    keep_bonus = (prev_open[graph.cand] == graph.opening) & ~graph.locked
    weight, bits = lexicographic_weights(graph.score, keep_bonus)
    _check_lock_capacity(graph, locks, open_ids)
    solution = solve_optimal(
        AssignmentGraph(
            n_candidates=graph.n_candidates,
            capacity=graph.capacity,
            cand=graph.cand,
            opening=graph.opening,
            score=graph.score,
            locked=lock_mask,
        ),
        weight=weight,
    )
    chosen = solution.edges
    new_open = np.full(len(live), -1, dtype=np.int64)
    new_open[graph.cand[chosen]] = graph.opening[chosen]
    new_score = np.zeros(len(live))
    new_score[graph.cand[chosen]] = graph.score[chosen]
    placements = tuple(
        Placement(
            candidate=live[int(graph.cand[e])],
            opening=open_ids[int(graph.opening[e])],
            score=float(graph.score[e]),
            locked=bool(graph.locked[e]),
            previous=None if prev_open[graph.cand[e]] < 0 else open_ids[prev_open[graph.cand[e]]],
        )
        for e in chosen.tolist()
    )
    moves = _moves(
        previous,
        changes,
        live=live,
        open_ids=open_ids,
        prev_open=prev_open,
        new_open=new_open,
        new_score=new_score,
        capacity=capacity,
        new_locks=new_locks,
        dropped=dropped,
    )
    return Reoptimisation(
        placements=placements,
        moves=moves,
        unassigned=tuple(c for i, c in enumerate(live) if new_open[i] < 0),
        objective=math.fsum(graph.score[chosen].tolist()),
        kept=int(np.count_nonzero((prev_open >= 0) & (prev_open == new_open))),
        score_bits=bits,
        locks=tuple(locks),
        forbidden=tuple(forbidden),
        capacity={o: capacity[o] for o in open_ids},
        edges=frame,
    )


def lexicographic_weights(
    score: npt.NDArray[np.float64], bonus: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], int]:
    """Integer weights ``q * M + bonus`` below ``2**39`` and the score bits ``B`` (see the
    module docstring for the proof that they order solutions lexicographically)."""
    m = int(np.count_nonzero(bonus)) + 1
    bits = _TOTAL_BITS - m.bit_length()
    if bits < 1:
        raise InfeasibleError(f"too many previous placements ({m - 1}) for exact tie-breaking")
    top = float(np.max(np.abs(score))) if score.size else 0.0
    if top == 0.0:
        q = np.zeros(score.shape, dtype=np.int64)
    else:
        _, exponent = math.frexp(top)
        q = np.rint(np.ldexp(score, bits - exponent)).astype(np.int64)
    return q * m + bonus.astype(np.int64), bits


def score_extra_edges(
    candidates: Sequence[Candidate],
    openings: Sequence[Opening],
    *,
    pairs: Sequence[Pair],
    policy: Policy,
    taxonomy: Taxonomy,
) -> pl.DataFrame:
    """Edges of ``openings`` (each candidate's ``policy.shortlist`` best among them) plus the
    given ``pairs`` (scored whatever their rules, as locks are; their openings must be among
    ``openings``): columns candidate, opening, score. Used for new openings and for locks
    outside the previous shortlist."""
    subset = list(openings)
    scoped = Policy(
        mode="optimal",
        shortlist=policy.shortlist,
        locks=tuple(sorted(set(pairs))),
        forbidden=tuple(p for p in policy.forbidden if p[1] in {o.id for o in subset}),
        weights=policy.weights,
    )
    validate(candidates, subset, scoped, taxonomy=taxonomy)
    features = Features.build(candidates, subset)
    model = SkillModel.build(features, taxonomy, scoped.weights)
    g = build_shortlist(features, model, scoped).graph
    cand = np.array([c.id for c in features.candidates], dtype=object)
    opens = np.array([o.id for o in features.openings], dtype=object)
    return pl.DataFrame(
        {
            "candidate": pl.Series(cand[g.cand].tolist(), dtype=pl.String),
            "opening": pl.Series(opens[g.opening].tolist(), dtype=pl.String),
            "score": pl.Series(g.score, dtype=pl.Float64),
        }
    )


# --- checks ----------------------------------------------------------------------------------


def _check_previous(previous: PreviousRound, known_c: set[str], known_o: set[str]) -> None:
    seen: set[str] = set()
    for k, (c, o, _) in enumerate(previous.assignments):
        if c not in known_c or o not in known_o or c in seen:
            raise InvalidRecordError(
                "round", f"assignments[{k}]", f"({c!r}, {o!r}) names an unknown or repeated id"
            )
        seen.add(c)


def _check_changes(changes: Changes, known_c: set[str], known_o: set[str]) -> set[str]:
    """Every id of ``changes`` must be known; returns the dropped-out candidates."""
    dropped: set[str] = set()
    for k, c in enumerate(changes.dropouts):
        if c not in known_c:
            raise InvalidRecordError("changes", f"dropouts[{k}]", f"unknown candidate id {c!r}")
        dropped.add(c)
    all_open = set(known_o)
    for k, new in enumerate(changes.new_openings):
        if new.id in all_open:
            raise InvalidRecordError("changes", f"new_openings[{k}]", f"opening {new.id!r} exists")
        all_open.add(new.id)
    for opening_id, _ in changes.capacity:
        if opening_id not in all_open:
            raise InvalidRecordError(
                "changes", f"capacity[{opening_id}]", f"unknown opening id {opening_id!r}"
            )
    for field in ("locks", "forbidden", "accepted"):
        pairs: tuple[Pair, ...] = getattr(changes, field)
        for k, (c, o) in enumerate(pairs):
            where = f"{field}[{k}]"
            if c not in known_c:
                raise InvalidRecordError("changes", where, f"unknown candidate id {c!r}")
            if o not in all_open:
                raise InvalidRecordError("changes", where, f"unknown opening id {o!r}")
            if c in dropped and field != "forbidden":
                raise InvalidRecordError("changes", where, f"candidate {c!r} dropped out")
    return dropped


def _check_lock_capacity(graph: AssignmentGraph, locks: list[Pair], open_ids: list[str]) -> None:
    per_cand: dict[str, str] = {}
    for c, o in locks:
        if per_cand.setdefault(c, o) != o:
            raise InfeasibleError(f"candidate {c}: locked to both {per_cand[c]} and {o}")
    used = np.bincount(graph.opening[graph.locked], minlength=graph.n_openings)
    over = np.flatnonzero(used > graph.capacity)
    if over.size:
        j = int(over[0])
        raise InfeasibleError(
            f"opening {open_ids[j]}: {int(used[j])} locked candidate(s) "
            f"but capacity {int(graph.capacity[j])}"
        )


# --- graph -----------------------------------------------------------------------------------


def _edge_frame(
    edges: pl.DataFrame,
    extra: pl.DataFrame | None,
    live: list[str],
    open_ids: list[str],
    forbidden: list[Pair],
) -> tuple[pl.DataFrame, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The edges to solve: previous then extra (first wins), live ids only, no forbidden pair,
    sorted by (candidate, opening); with each edge's candidate and opening row."""
    parts = [edges.select("candidate", "opening", "score")]
    if extra is not None:
        parts.append(extra.select("candidate", "opening", "score"))
    frame = pl.concat(parts).filter(
        pl.col("candidate").is_in(live) & pl.col("opening").is_in(open_ids)
    )
    cand = _rows(frame["candidate"], live)
    opening = _rows(frame["opening"], open_ids)
    n_o = max(len(open_ids), 1)
    key = cand * n_o + opening  # sorted universes: key order is (candidate, opening) order
    alive, opened = set(live), set(open_ids)
    banned = np.array(
        [
            _row_of(live, c) * n_o + _row_of(open_ids, o)
            for c, o in forbidden
            if c in alive and o in opened
        ],
        dtype=np.int64,
    )
    allowed = np.flatnonzero(~np.isin(key, banned))
    _, first = np.unique(key[allowed], return_index=True)  # sorted keys, first occurrences
    keep = allowed[first]
    return frame[keep], cand[keep], opening[keep]


def _graph(
    frame: pl.DataFrame,
    cand: npt.NDArray[np.int64],
    opening: npt.NDArray[np.int64],
    live: list[str],
    open_ids: list[str],
    capacity: Mapping[str, int],
    locks: list[Pair],
    changes: Changes,
) -> tuple[AssignmentGraph, npt.NDArray[np.bool_]]:
    n_o = max(len(open_ids), 1)
    key = cand * n_o + opening
    lock_key = np.array(
        sorted(_row_of(live, c) * n_o + _row_of(open_ids, o) for c, o in locks), dtype=np.int64
    )
    pos = np.searchsorted(key, lock_key)
    missing = (pos >= len(key)) | (key[np.minimum(pos, max(len(key) - 1, 0))] != lock_key)
    if lock_key.size and missing.any():
        c = live[int(lock_key[missing][0] // n_o)]
        o = open_ids[int(lock_key[missing][0] % n_o)]
        raise InvalidRecordError(
            "changes",
            _lock_field((c, o), changes),
            f"({c!r}, {o!r}) is not a scored pair of the round; give the candidates and "
            "openings files so that it can be scored",
        )
    locked = np.zeros(len(key), dtype=np.bool_)
    locked[pos] = True
    graph = AssignmentGraph(
        n_candidates=len(live),
        capacity=np.array([capacity[o] for o in open_ids], dtype=np.int64),
        cand=cand.astype(np.int32),
        opening=opening.astype(np.int32),
        score=frame["score"].to_numpy().astype(np.float64),
        locked=locked,
    )
    return graph, locked


def _lock_field(pair: Pair, changes: Changes) -> str:
    for field in ("locks", "accepted"):
        pairs: tuple[Pair, ...] = getattr(changes, field)
        if pair in pairs:
            return f"{field}[{pairs.index(pair)}]"
    return "locks"


def _rows(ids: pl.Series, universe: list[str]) -> npt.NDArray[np.int64]:
    """Row of each id in the sorted ``universe`` (all present)."""
    physical = ids.cast(pl.Enum(universe)).to_physical().to_numpy()
    return physical.astype(np.int64)


def _row_of(universe: list[str], value: str) -> int:
    return bisect.bisect_left(universe, value)


def _previous_rows(
    previous: PreviousRound, live: list[str], open_ids: list[str]
) -> npt.NDArray[np.int64]:
    """Opening row of each live candidate's previous placement (-1: none)."""
    out = np.full(len(live), -1, dtype=np.int64)
    alive = set(live)
    kept = [(c, o) for c, o, _ in previous.assignments if c in alive]
    if kept:
        rows = _rows(pl.Series([c for c, _ in kept], dtype=pl.String), live)
        out[rows] = _rows(pl.Series([o for _, o in kept], dtype=pl.String), open_ids)
    return out


# --- reasons ---------------------------------------------------------------------------------


def _moves(
    previous: PreviousRound,
    changes: Changes,
    *,
    live: list[str],
    open_ids: list[str],
    prev_open: npt.NDArray[np.int64],
    new_open: npt.NDArray[np.int64],
    new_score: npt.NDArray[np.float64],
    capacity: Mapping[str, int],
    new_locks: set[Pair],
    dropped: set[str],
) -> tuple[Move, ...]:
    before = {c: (o, s) for c, o, s in previous.assignments}
    moves: list[Move] = []
    for c in sorted(dropped):
        o, s = before.get(c, (None, None))
        moves.append(Move(c, o, None, s, None, "dropped_out"))
    newly_locked_at = {o for c, o in new_locks if before.get(c, (None, 0.0))[0] != o}
    forbidden = set(changes.forbidden)
    for i in np.flatnonzero(prev_open != new_open).tolist():
        c = live[i]
        was = open_ids[prev_open[i]] if prev_open[i] >= 0 else None
        now = open_ids[new_open[i]] if new_open[i] >= 0 else None
        reason: MoveReason
        if was is not None and (c, was) in forbidden:
            reason = "forbidden"
        elif now is not None and (c, now) in new_locks:
            reason = "locked"
        elif was is not None and capacity[was] < previous.capacity[was]:
            reason = "capacity_reduced"
        elif was is not None and was in newly_locked_at:
            reason = "displaced_by_lock"
        elif was is None:
            reason = "newly_placed"
        else:
            reason = "better_total"
        moves.append(
            Move(
                c,
                was,
                now,
                before[c][1] if was is not None else None,
                float(new_score[i]) if now is not None else None,
                reason,
            )
        )
    return tuple(sorted(moves, key=lambda m: m.candidate))

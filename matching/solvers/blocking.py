"""Blocking pairs of any solution (stable, optimal, quotas) under both sides' preferences.

A blocking pair is an edge ``e = (c, o)`` not in the solution such that

* candidate ``c`` is not locked (a staff decision is never second-guessed) and either has no
  placement or strictly prefers ``o`` to its placement; and
* opening ``o`` either has a free place (capacity minus everyone placed there, locked or not)
  or strictly prefers ``c`` to its least preferred *unlocked* assignee.

Only edges can block: a pair either side finds unacceptable is not an edge of the graph.
``ties="kept"`` (default) compares the rank keys as given, so a side indifferent between two
options never blocks over them (weak stability); ``ties="broken"`` applies the tie-break of
:mod:`matching.solvers.preferences`, the strict order :func:`~matching.solvers.stable.solve_stable`
uses. A stable solution has no blocking pair under either.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.preferences import RankKeys, check_preferences, opening_order, prefers

__all__ = ["count_blocking_pairs"]


def count_blocking_pairs(
    graph: AssignmentGraph,
    solution: Solution,
    *,
    candidate_prefs: RankKeys,
    opening_prefs: RankKeys,
    ties: Literal["kept", "broken"] = "kept",
) -> int:
    """Number of blocking pairs of ``solution`` (see the module docstring for the definition)."""
    check_preferences(graph, candidate_prefs=candidate_prefs, opening_prefs=opening_prefs)
    chosen = _check_solution(graph, solution)
    n_cand, n_open = graph.n_candidates, graph.n_openings

    placement = np.full(n_cand, -1, dtype=np.int64)
    placement[graph.cand[chosen]] = chosen
    locked_cand = np.zeros(n_cand, dtype=np.bool_)
    locked_cand[graph.cand[graph.locked]] = True
    has_free_place = np.bincount(graph.opening[chosen], minlength=n_open) < graph.capacity

    # Each opening's least preferred unlocked assignee (-1: none).
    unlocked = opening_order(graph, opening_prefs, chosen[~graph.locked[chosen]])
    worst = np.full(n_open, -1, dtype=np.int64)
    last = np.ones(unlocked.size, dtype=np.bool_)
    last[:-1] = graph.opening[unlocked[1:]] != graph.opening[unlocked[:-1]]
    worst[graph.opening[unlocked[last]]] = unlocked[last]

    edge = np.flatnonzero(~locked_cand[graph.cand]).astype(np.int64)
    edge = edge[placement[graph.cand[edge]] != edge]
    current = placement[graph.cand[edge]]
    cand_wants = current < 0
    placed = ~cand_wants
    cand_wants[placed] = _prefers(
        graph, candidate_prefs, edge[placed], current[placed], side="candidate", ties=ties
    )
    edge = edge[cand_wants]
    rival = worst[graph.opening[edge]]
    opening_wants = has_free_place[graph.opening[edge]]
    can_swap = ~opening_wants & (rival >= 0)
    opening_wants[can_swap] = _prefers(
        graph, opening_prefs, edge[can_swap], rival[can_swap], side="opening", ties=ties
    )
    return int(np.count_nonzero(opening_wants))


def _prefers(
    graph: AssignmentGraph,
    keys: RankKeys,
    better: npt.NDArray[np.int64],
    worse: npt.NDArray[np.int64],
    *,
    side: Literal["candidate", "opening"],
    ties: Literal["kept", "broken"],
) -> npt.NDArray[np.bool_]:
    if ties == "broken":
        return prefers(graph, keys, better, worse, side=side)
    out: npt.NDArray[np.bool_] = keys[better] < keys[worse]
    return out


def _check_solution(graph: AssignmentGraph, solution: Solution) -> npt.NDArray[np.int64]:
    edges = np.asarray(solution.edges, dtype=np.int64)
    if edges.ndim != 1:
        raise ValueError(f"solution.edges must be 1-D, got shape {edges.shape}")
    if edges.size and (edges.min() < 0 or edges.max() >= graph.n_edges):
        raise ValueError(f"solution.edges must index the graph's {graph.n_edges} edges")
    if np.unique(graph.cand[edges]).size != edges.size:
        raise ValueError("solution places a candidate more than once")
    return edges

"""Mode "stable": candidate-proposing deferred acceptance with capacities.

This is the hospitals/residents problem (Gale & Shapley 1962; Roth & Peranson 1999 without
couples). Candidates propose down their list; each opening keeps the best ``capacity``
proposals it has seen and rejects the rest. With strict preferences (ties broken by
:mod:`matching.solvers.preferences`) the result is the unique
*candidate-optimal* stable matching: no candidate gets a better opening in any stable matching.

Locked pairs are pre-assigned: they take a place at their opening and the locked candidate does
not propose. Stability is then defined on the rest of the market: a blocking pair is an unlocked
candidate and an opening that both strictly prefer each other to what they have, where the
opening compares with its *unlocked* assignees only and a free place (capacity left after locks
and assignments) counts as worse than anyone acceptable. Locked assignees are never displaced.

The loop is array-based: in each round every free candidate proposes to its next opening at
once, and each opening that received proposals keeps its best places among what it held plus
what it received, by one sort of that pool. The work per round is proportional to
the proposals plus the places held at the openings concerned, never to the whole graph.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.locks import residual_capacity
from matching.solvers.preferences import (
    RankKeys,
    candidate_order,
    check_preferences,
    opening_order,
)

__all__ = ["solve_stable"]

_EMPTY = np.empty(0, dtype=np.int64)


def solve_stable(
    graph: AssignmentGraph, *, candidate_prefs: RankKeys, opening_prefs: RankKeys
) -> Solution:
    """Return the candidate-optimal stable matching of ``graph`` (solver name ``"stable"``).

    ``candidate_prefs`` and ``opening_prefs`` are per-edge rank keys, lower preferred (see
    :mod:`matching.solvers.preferences`). Locked edges are always chosen; raises
    :class:`~matching.errors.InfeasibleError` if the locks themselves conflict.
    """
    check_preferences(graph, candidate_prefs=candidate_prefs, opening_prefs=opening_prefs)
    residual = residual_capacity(graph)
    n_cand = graph.n_candidates

    # Each candidate's edges, best first, occupy by_cand[start[c]:end[c]].
    by_cand = candidate_order(graph, candidate_prefs)
    end = np.cumsum(np.bincount(graph.cand, minlength=n_cand)).astype(np.int64)
    start = end - np.bincount(graph.cand, minlength=n_cand)
    next_pos = start.copy()

    locked_cand = np.zeros(n_cand, dtype=np.bool_)
    locked_cand[graph.cand[graph.locked]] = True
    free = np.flatnonzero(~locked_cand & (start < end)).astype(np.int64)

    opening = graph.opening.astype(np.int64)
    held = _EMPTY
    touched = np.zeros(graph.n_openings, dtype=np.bool_)
    while free.size:
        proposals = by_cand[next_pos[free]]
        next_pos[free] += 1
        touched[opening[proposals]] = True
        at_touched = touched[opening[held]]
        pool = np.concatenate((held[at_touched], proposals))
        touched[opening[proposals]] = False
        pool = opening_order(graph, opening_prefs, pool)
        pool_opening = opening[pool]
        keep = _position_in_group(pool_opening) < residual[pool_opening]
        held = np.concatenate((held[~at_touched], pool[keep]))
        rejected = graph.cand[pool[~keep]].astype(np.int64)
        free = rejected[next_pos[rejected] < end[rejected]]

    edges = np.sort(np.concatenate((held, np.flatnonzero(graph.locked))))
    return Solution(edges=edges, total=float(graph.score[edges].sum()), solver="stable")


def _position_in_group(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """For a sorted array, each element's offset from the first element with the same key."""
    n = keys.shape[0]
    if n == 0:
        return _EMPTY
    index = np.arange(n, dtype=np.int64)
    first = np.empty(n, dtype=np.bool_)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return index - np.maximum.accumulate(np.where(first, index, 0))

"""Stability of a round's result, whatever its mode: blocking pairs and the price of stability.

* ``preference_keys(features, graph)`` — both sides' rank keys over the graph's edges: listed
  openings (candidates) first in list order, then the rest by descending score, then by id.
  The stable mode solves with them; every mode is judged by them.
* ``stability_of(...)`` — the number of blocking pairs of the chosen edges under those keys
  (:func:`matching.solvers.blocking.count_blocking_pairs`; ties kept: a side indifferent
  between two options never blocks over them), and the total score of the stable matching
  against the optimal one on the same graph: what stability costs (``score_given_up``, ≥ 0).
  The mode's own solution is reused; the other is solved here.

Train-to-hire placements are not edges of the graph: their candidates count as unplaced
here, so a round with such placements may report blocking pairs involving them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from matching.features import Features
from matching.records import Stability
from matching.solvers.blocking import count_blocking_pairs
from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.optimal import solve_optimal
from matching.solvers.stable import solve_stable

__all__ = ["Stability", "preference_keys", "stability_of"]


def preference_keys(
    features: Features, graph: AssignmentGraph
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per-edge rank keys (lower preferred) of candidates and of openings."""
    n_o = max(graph.n_openings, 1)
    key = graph.cand.astype(np.int64) * n_o + graph.opening
    listed_c = [
        (i, features.opening_row[o], r)
        for i, c in enumerate(features.candidates)
        for r, o in enumerate(c.preferences)
        if o in features.opening_row
    ]
    listed_o = [
        (features.candidate_row[c], j, r)
        for j, o in enumerate(features.openings)
        for r, c in enumerate(o.ranking)
        if c in features.candidate_row
    ]
    out = []
    descending = -graph.score
    for listed, group in ((listed_c, graph.cand), (listed_o, graph.opening)):
        position = np.full(graph.n_edges, np.iinfo(np.int64).max, dtype=np.int64)
        if listed:
            arr = np.array(listed, dtype=np.int64)
            lkey = arr[:, 0] * n_o + arr[:, 1]
            at = np.searchsorted(key, lkey)
            hit = at < len(key)
            hit[hit] = key[at[hit]] == lkey[hit]
            position[at[hit]] = arr[hit, 2]
        # last tie-break: the other side's row, ascending — the edges' own order (sorted by
        # (cand, opening)), which the stable lexsort keeps
        order = np.lexsort((descending, position, group))
        rank = np.empty(graph.n_edges, dtype=np.int64)
        rank[order] = np.arange(graph.n_edges)
        out.append(rank)
    return out[0], out[1]


def _total(graph: AssignmentGraph, edges: npt.NDArray[np.int64]) -> float:
    return float(graph.score[edges].sum()) if len(edges) else 0.0


def stability_of(
    graph: AssignmentGraph,
    chosen: npt.NDArray[np.int64],
    *,
    features: Features,
    stable: Solution | None = None,
    optimal: Solution | None = None,
) -> Stability:
    """Blocking pairs of ``chosen`` and the price of stability on ``graph``; ``stable`` /
    ``optimal``: the mode's own solution of this graph when it is one of them."""
    candidate_prefs, opening_prefs = preference_keys(features, graph)
    blocking = count_blocking_pairs(
        graph,
        Solution(edges=chosen, total=_total(graph, chosen), solver="result"),
        candidate_prefs=candidate_prefs,
        opening_prefs=opening_prefs,
    )
    if stable is None:
        stable = solve_stable(graph, candidate_prefs=candidate_prefs, opening_prefs=opening_prefs)
    if optimal is None:
        optimal = solve_optimal(graph)
    stable_total = _total(graph, np.asarray(stable.edges, dtype=np.int64))
    optimal_total = _total(graph, np.asarray(optimal.edges, dtype=np.int64))
    return Stability(
        blocking_pairs=blocking,
        stable_total=stable_total,
        optimal_total=optimal_total,
        score_given_up=max(0.0, optimal_total - stable_total),
    )

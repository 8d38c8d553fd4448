"""Both sides' preferences over the edges of an :class:`AssignmentGraph`, and their tie-break.

Preferences arrive as two *rank keys* aligned with the graph's edges (``shape == (n_edges,)``,
real numbers, **lower is preferred**):

* ``candidate_prefs[e]`` — how candidate ``cand[e]`` ranks opening ``opening[e]``;
* ``opening_prefs[e]`` — how opening ``opening[e]`` ranks candidate ``cand[e]``.

Keys are compared only between edges of the same candidate (resp. the same opening), so a
candidate's list position, ``-score`` (score order, for a side that gave no list) or any
monotone transform of either will do. Acceptability is not encoded here: a pair that a side
finds unacceptable (unlisted, ineligible, forbidden) is simply not an edge.

Equal keys are ties, broken by one documented, deterministic rule, giving strict preferences:

* a candidate prefers, among equally ranked openings, the higher-scored edge, then the
  lower opening index;
* an opening prefers, among equally ranked candidates, the higher-scored edge, then the
  lower candidate index.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from matching.solvers.graph import AssignmentGraph

__all__ = ["RankKeys", "candidate_order", "check_preferences", "opening_order", "prefers"]

RankKeys = npt.NDArray[np.integer] | npt.NDArray[np.floating]
EdgeIndex = npt.NDArray[np.int64]

# Sorting each candidate's row of a padded (n_candidates, max_degree) table beats one global
# sort of all edges by far; fall back to the global sort when the padding would be wasteful.
_MAX_PADDING = 4


def check_preferences(
    graph: AssignmentGraph, *, candidate_prefs: RankKeys, opening_prefs: RankKeys
) -> None:
    """Raise ``ValueError`` unless both keys are finite real arrays of shape ``(n_edges,)``."""
    for name, keys in (("candidate_prefs", candidate_prefs), ("opening_prefs", opening_prefs)):
        if not isinstance(keys, np.ndarray) or keys.shape != (graph.n_edges,):
            got = keys.shape if isinstance(keys, np.ndarray) else type(keys).__name__
            raise ValueError(f"{name} must be an array of shape ({graph.n_edges},), got {got}")
        if keys.dtype.kind not in "iuf":
            raise ValueError(f"{name} must hold real numbers, got dtype {keys.dtype}")
        if keys.dtype.kind == "f" and not np.all(np.isfinite(keys)):
            raise ValueError(f"{name} must be finite")


def candidate_order(graph: AssignmentGraph, candidate_prefs: RankKeys) -> EdgeIndex:
    """All edge indices grouped by candidate (ascending), each candidate's best edge first."""
    n_cand, n_edges = graph.n_candidates, graph.n_edges
    degree = np.bincount(graph.cand, minlength=n_cand)
    width = int(degree.max()) if n_edges else 0
    if n_cand * width > _MAX_PADDING * n_edges:
        # np.lexsort is stable and edges are sorted by (cand, opening): ties keep opening order.
        return np.lexsort((-graph.score, candidate_prefs, graph.cand)).astype(np.int64)
    start = np.cumsum(degree) - degree
    column = np.arange(n_edges) - np.repeat(start, degree)
    neg_score = np.full((n_cand, width), np.inf)
    key = np.full((n_cand, width), np.inf)
    neg_score[graph.cand, column] = -graph.score
    key[graph.cand, column] = candidate_prefs
    # Stable along each row, padding (+inf in both keys) last, ties in column = opening order.
    row_order = np.lexsort((neg_score, key), axis=1)
    real = row_order < degree[:, None]
    return (row_order + start[:, None])[real].astype(np.int64)


def opening_order(graph: AssignmentGraph, opening_prefs: RankKeys, edges: EdgeIndex) -> EdgeIndex:
    """``edges`` sorted by opening (ascending), each opening's most preferred candidate first."""
    cand, opening = graph.cand[edges], graph.opening[edges]
    order = np.lexsort((cand, -graph.score[edges], opening_prefs[edges], opening))
    return edges[order]


def prefers(
    graph: AssignmentGraph,
    keys: RankKeys,
    better: EdgeIndex,
    worse: EdgeIndex,
    *,
    side: Literal["candidate", "opening"],
) -> npt.NDArray[np.bool_]:
    """Elementwise: does ``side`` strictly prefer edge ``better[i]`` to edge ``worse[i]``?

    Meaningful when both edges share the candidate (``side="candidate"``) or the opening
    (``side="opening"``); applies the tie-break of this module, so it is a strict order.
    """
    other = graph.opening if side == "candidate" else graph.cand
    key_b, key_w = keys[better], keys[worse]
    score_b, score_w = graph.score[better], graph.score[worse]
    tie_break = (score_b > score_w) | ((score_b == score_w) & (other[better] < other[worse]))
    out: npt.NDArray[np.bool_] = (key_b < key_w) | ((key_b == key_w) & tie_break)
    return out

"""The *optimal* solver: maximum total score under capacities, with locked edges kept.

Maximise the sum of chosen edge scores subject to: each candidate in at most one edge, each
opening in at most ``capacity`` edges, every ``locked`` edge chosen (locks consume capacity).
Candidates may stay unassigned and openings unfilled; an unlocked edge with score <= 0 is never
chosen.

Exactness. Scores are quantised once, for the whole graph, to integers:
``q = rint(score * 2**s)`` where ``s`` is the largest power-of-two scale keeping
``max |score| * 2**s < 2**30`` (see ``quantise_scores``). The solver returns an assignment that
is *exactly* optimal for ``q`` (an integral min-cost flow on integer costs, see ``_bmatching``), and
reports ``total`` as the float sum (``math.fsum``) of the chosen edges' original scores. Each
edge moves by at most ``2**-(s+1) <= max|score| * 2**-30``, so against the best float total the
reported one loses at most ``2 * n_assigned * max|score| * 2**-31`` (~1e-9 relative for scores
in [0, 1] and a few 10k assignments), and only between float-distinct scores that quantise to
one integer.

Determinism: no randomness, no threads; ties are broken by edge order, which the graph fixes
(edges sorted by (candidate, opening)), so the same graph gives a byte-identical ``Solution``.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from matching.solvers._bmatching import max_weight_bmatching
from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.locks import LockConflictError, residual_capacity

__all__ = ["QUANTUM_BITS", "WEIGHT_BITS", "LockConflictError", "quantise_scores", "solve_optimal"]

QUANTUM_BITS = 30
"""Quantised scores satisfy ``|q| < 2**QUANTUM_BITS``."""

WEIGHT_BITS = 40
"""Integer weights given to ``solve_optimal`` satisfy ``|weight| < 2**WEIGHT_BITS``."""


def quantise_scores(score: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Integer scores used for the exact solve: ``rint(score * 2**s)``, ``|q| < 2**30``.

    ``s`` depends only on ``max |score|``, so every consumer (the solver, a reference solver in
    a benchmark) gets the same integers from the same scores.
    """
    if score.size == 0:
        return np.zeros(0, dtype=np.int64)
    top = float(np.max(np.abs(score)))
    if top == 0.0:
        return np.zeros(score.shape, dtype=np.int64)
    _, exponent = math.frexp(top)  # top < 2**exponent
    scaled = np.ldexp(score, QUANTUM_BITS - 1 - exponent)
    return np.rint(scaled).astype(np.int64)


def solve_optimal(
    graph: AssignmentGraph, *, weight: npt.NDArray[np.int64] | None = None
) -> Solution:
    """Maximum-score assignment of ``graph`` keeping every locked edge; exact and deterministic.

    ``weight``: exact integer objective per edge (``|weight| < 2**WEIGHT_BITS``) to maximise
    instead of the quantised scores (re-optimisation's lexicographic weights); ``total`` is
    still the sum of the chosen edges' scores.
    Raises ``LockConflictError`` (an ``InfeasibleError``) when the locks cannot all hold.
    """
    locked = np.flatnonzero(graph.locked)
    residual = residual_capacity(graph)
    cand_locked = np.zeros(graph.n_candidates, dtype=np.bool_)
    cand_locked[graph.cand[locked]] = True

    q = quantise_scores(graph.score) if weight is None else _checked(weight, graph.n_edges)
    free = ~graph.locked & (q > 0) & ~cand_locked[graph.cand] & (residual[graph.opening] > 0)
    if free.all():  # the common case: no copies of the edge arrays
        free_idx = np.arange(graph.n_edges, dtype=np.int64)
        row, col, w = graph.cand.astype(np.int64), graph.opening.astype(np.int64), q
    else:
        free_idx = np.flatnonzero(free)
        row = graph.cand[free_idx].astype(np.int64)
        col = graph.opening[free_idx].astype(np.int64)
        w = q[free_idx]
    chosen = max_weight_bmatching(
        n_rows=graph.n_candidates, cap=residual, row=row, col=col, weight=w
    )
    edges = np.union1d(locked, free_idx[chosen]).astype(np.int64)
    total = math.fsum(graph.score[edges].tolist())
    return Solution(edges=edges, total=total, solver="optimal")


def _checked(weight: npt.NDArray[np.int64], n_edges: int) -> npt.NDArray[np.int64]:
    if weight.shape != (n_edges,) or weight.dtype != np.int64:
        raise ValueError(f"weight must be int64 with one value per edge ({n_edges})")
    if weight.size and int(np.abs(weight).max()) >= 1 << WEIGHT_BITS:
        raise ValueError(f"weights must lie below 2**{WEIGHT_BITS} in absolute value")
    return weight

"""Exact 0/1 programme ``max score @ x  s.t.  A x <= b,  x_locked = 1`` by column generation.

The quota models have one column per edge (millions at 100k x 10k) but an optimum uses few of
them, so HiGHS is run on a *working set* of columns and the rest are priced out with the LP
duals ``y >= 0`` of the working set:

1. Start from the locked edges, each candidate's best few edges and each opening's best
   ``2 * capacity`` edges (by score).
2. Solve the working-set LP relaxation; with its duals every edge gets the reduced cost
   ``d = score - A^T y``, and ``U = b @ y + sum_locked d + sum_{working, unlocked} max(0, d)``
   bounds the full LP (so the full MILP) from above *whatever* the edges outside the set, as
   long as their ``d <= 0``. Edges with ``d > 0`` join the set; repeat until none.
3. Solve the MILP (HiGHS, ``mip_rel_gap=0``, presolve off: its presolve spends minutes on
   these assignment-shaped models and removes nothing) on a *neighbourhood* of the LP
   optimum: edges with ``d > delta`` fixed to 1, edges with ``d < -delta`` fixed to 0, the
   rest free (``delta`` starts at 1 % of the largest |score|). Any solution that breaks a
   fixing scores at most ``U - |d_e|``, so with incumbent ``z`` the neighbourhood is provably
   complete once ``delta >= U - z``; otherwise it is widened to ``delta = U - z`` and solved
   again. The result is optimal for the whole graph up to HiGHS's tolerances (1e-6 absolute
   on the objective).

If the working-set LP is infeasible (locks that only outside edges can balance) the whole
graph is taken at once; an empty neighbourhood is widened until it covers every edge.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from matching.errors import MatchingError
from matching.solvers.graph import AssignmentGraph

__all__ = ["MilpOutcome", "TimeLimitWithoutSolution", "solve_01"]

_PER_CANDIDATE = 4
# First neighbourhood of the LP optimum searched by the MILP: edges whose reduced cost is
# within this fraction of the largest |score| of zero stay free, the others are fixed.
_NEIGHBOURHOOD = 0.01
_PER_PLACE = 2
# Noise tolerated on reduced costs and bounds, relative to the largest |score| (HiGHS works to
# 1e-7 on duals and 1e-6 on the MILP objective).
_TOLERANCE = 1e-6

MilpOutcome = tuple[npt.NDArray[np.int64], bool, float]


class TimeLimitWithoutSolution(MatchingError):
    """The time limit passed before HiGHS found a feasible solution."""


def solve_01(
    graph: AssignmentGraph,
    a_le: sp.csr_array,
    b_le: npt.NDArray[np.float64],
    *,
    time_limit: float | None,
) -> MilpOutcome | None:
    """(chosen edges ascending, proven optimal, relative gap bound) or None if infeasible."""
    n = graph.n_edges
    if n == 0:
        return np.empty(0, dtype=np.int64), True, 0.0
    deadline = None if time_limit is None else time.monotonic() + time_limit
    tol = _TOLERANCE * max(1.0, float(np.abs(graph.score).max()))
    columns = sp.csc_array(a_le)
    work = _initial_working_set(graph)
    while True:  # 1-2: column generation on the LP relaxation
        idx = np.flatnonzero(work)
        lp = linprog(
            -graph.score[idx],
            A_ub=columns[:, idx],
            b_ub=b_le,
            bounds=np.column_stack((graph.locked[idx], np.ones(idx.size))),
            method="highs-ds",
        )
        if lp.status == 2:
            if work.all():
                return None
            work[:] = True
            continue
        if lp.status != 0:
            raise MatchingError(f"HiGHS failed on the quota LP: {lp.message}")
        y = np.maximum(-np.asarray(lp.ineqlin.marginals), 0.0)
        reduced = graph.score - columns.T @ y
        entering = ~work & (reduced > tol)
        if not entering.any():
            break
        work |= entering
    free = work & ~graph.locked
    upper = (
        float(b_le @ y)
        + float(reduced[graph.locked].sum())
        + float(np.maximum(reduced[free], 0.0).sum())
    )
    # 3: MILP on a neighbourhood of the LP optimum, widened until the bound proves it.
    spread = float(np.abs(reduced).max())
    delta = _NEIGHBOURHOOD * max(1.0, float(np.abs(graph.score).max()))
    best: npt.NDArray[np.int64] | None = None
    while True:
        ones = graph.locked | (free & (reduced > delta))
        keep = np.flatnonzero(~ones & (reduced >= -delta))
        found = _milp(graph, columns, b_le, keep, ones=ones, deadline=deadline)
        finished = found is not None and found[1]
        if found is not None and found[0] is not None:
            chosen = np.union1d(keep[found[0]], np.flatnonzero(ones)).astype(np.int64)
            if best is None or graph.score[chosen].sum() > graph.score[best].sum():
                best = chosen
        if best is None:
            if not finished:
                raise TimeLimitWithoutSolution(
                    f"no solution within the time limit ({time_limit} s)"
                )
            if delta > spread:
                return None  # integer infeasible on the whole graph
            delta *= 8
            continue
        value = float(graph.score[best].sum())
        margin = upper - value - tol
        if finished and margin <= delta:
            return best, True, 0.0
        if not finished:
            return best, False, max(0.0, upper - value) / max(1.0, abs(value))
        delta = margin


def _milp(
    graph: AssignmentGraph,
    columns: sp.csc_array,
    b_le: npt.NDArray[np.float64],
    idx: npt.NDArray[np.intp],
    *,
    ones: npt.NDArray[np.bool_],
    deadline: float | None,
) -> tuple[npt.NDArray[np.intp] | None, bool] | None:
    """Solve over columns ``idx`` with the ``ones`` edges fixed to 1 (moved to the right side).

    Returns (chosen positions in ``idx`` or None if infeasible, proven) or None when the time
    limit passed first without a solution.
    """
    rhs = b_le - columns[:, np.flatnonzero(ones)] @ np.ones(int(ones.sum()))
    if idx.size == 0:
        feasible = bool(np.all(rhs >= -1e-9))
        return (np.empty(0, dtype=np.intp) if feasible else None), True
    options: dict[str, float | bool] = {"mip_rel_gap": 0.0, "presolve": False}
    if deadline is not None:
        options["time_limit"] = max(1.0, deadline - time.monotonic())
    result = milp(
        -graph.score[idx],
        integrality=np.ones(idx.size, dtype=np.int8),
        bounds=Bounds(0.0, 1.0),
        constraints=LinearConstraint(sp.csr_array(columns[:, idx]), -np.inf, rhs),
        options=options,
    )
    if result.status == 2:
        return None, True
    if result.x is None:
        if result.status == 1:
            return None
        raise MatchingError(f"HiGHS failed on the quota MILP: {result.message}")
    return np.flatnonzero(np.asarray(result.x) > 0.5), result.status == 0


def _initial_working_set(graph: AssignmentGraph) -> npt.NDArray[np.bool_]:
    """Locked edges, each candidate's best edges, each opening's best ``2 * capacity``."""
    n = graph.n_edges
    work = graph.locked.copy()
    for group, limit in (
        (graph.cand, np.full(graph.n_candidates, _PER_CANDIDATE)),
        (graph.opening, _PER_PLACE * graph.capacity),
    ):
        order = np.lexsort((-graph.score, group))
        sorted_group = group[order]
        rank = np.arange(n) - np.searchsorted(sorted_group, sorted_group, side="left")
        work[order[rank < limit[sorted_group]]] = True
    return work

"""Exact 0/1 programme ``max score @ x  s.t.  A x <= b,  x_locked = 1`` by column generation.

The quota models have one column per edge (millions at 100k x 10k) but an optimum uses few of
them, so HiGHS is run on a *working set* of columns and the rest are priced out with the LP
duals ``y >= 0`` of the working set:

1. Start from the locked edges, each candidate's best few edges and each opening's best
   ``2 * capacity`` edges (by score).
2. Solve the working-set LP relaxation; with its duals every edge gets the reduced cost
   ``d = score - A^T y``, and ``U = b @ y + sum_locked d + sum_{unlocked} max(0, d)`` (over
   *every* edge) bounds the full LP, so the full MILP, from above. Edges with ``d > 0`` join
   the set; repeat until they would add at most ``_STALL`` (relative) to ``U``: degenerate
   LPs otherwise admit a handful of columns per solve without moving the objective.
3. A first incumbent ``z``: the LP optimum with its few fractional edges decided by a small
   MILP, the other edges kept at their LP values (RENS).
4. MILP (HiGHS, ``mip_rel_gap=0``) on a *neighbourhood* of the LP optimum: edges with
   ``d > delta`` fixed to 1, edges with ``d < -delta`` fixed to 0, the rest free (``delta``
   starts at 1 % of the largest |score|), with ``z`` as cutoff (``objective_bound``: only
   better solutions are sought). Any solution that breaks a fixing scores at most
   ``U - delta``, so the incumbent is proven optimal for the whole graph once
   ``delta >= U - z``; otherwise the neighbourhood is widened to ``delta = U - z`` and solved
   again (with the cutoff it mostly has to prove that nothing better exists). HiGHS options:
   presolve off (it spends minutes on these assignment-shaped models and removes nothing; a
   cheap presolve of ours drops dead columns and unbreakable rows) and no sub-MIP heuristics
   (the root LP with HiGHS's cuts is usually integral already; see ``_HEURISTICS``). The
   result is optimal for the whole graph up to HiGHS's tolerances (1e-6 absolute on the
   objective).

If the working-set LP is infeasible (locks that only outside edges can balance) the whole
graph is taken at once; an empty neighbourhood is widened until it covers every edge.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, OptimizeWarning, linprog, milp

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
# Column generation stops once the edges still pricing in add at most this much (relative to
# the largest |score|) to the upper bound: degenerate LPs otherwise admit a handful of columns
# per solve without moving the objective. The bound stays valid (it counts every edge).
_STALL = 1e-3
# LP values within this of 0 or 1 count as integral.
_INTEGRAL = 1e-6
# HiGHS's sub-MIP heuristics (RINS, RENS, root reduced cost) run a presolved sub-MIP: minutes on
# these models, while the root LP with HiGHS's cuts is usually integral already (10k x 1k: 121 s
# with them, 44 s without, same optimum). An older HiGHS without these options ignores them.
_HEURISTICS = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}

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
    scale = max(1.0, float(np.abs(graph.score).max()))
    tol = _TOLERANCE * scale
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
            options=_time_left(deadline),
        )
        if lp.status == 1:  # the time limit (no iteration limit is set)
            raise TimeLimitWithoutSolution(
                f"the LP relaxation did not finish within the time limit ({time_limit} s)"
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
        if float(reduced[entering].sum()) <= _STALL * scale:
            break
        work |= entering
    free = ~graph.locked
    upper = (
        float(b_le @ y)
        + float(reduced[graph.locked].sum())
        + float(np.maximum(reduced[free], 0.0).sum())
    )
    x_lp = np.zeros(n)
    x_lp[idx] = lp.x
    # 3: a first incumbent: the LP optimum with its fractional edges rounded by a small MILP.
    best = _round(graph, columns, b_le, x_lp, deadline=deadline)
    # 4: MILP on a neighbourhood of the LP optimum looking only for better solutions (HiGHS
    # cutoff), widened until the bound proves the incumbent.
    spread = float(np.abs(reduced).max())
    delta = _NEIGHBOURHOOD * scale
    while True:
        ones = graph.locked | (free & (reduced > delta))
        keep = np.flatnonzero(~ones & (reduced >= -delta))
        beat = None if best is None else float(graph.score[best].sum()) + tol
        found = _milp(graph, columns, b_le, keep, ones=ones, deadline=deadline, beat=beat)
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


def _round(
    graph: AssignmentGraph,
    columns: sp.csc_array,
    b_le: npt.NDArray[np.float64],
    x_lp: npt.NDArray[np.float64],
    *,
    deadline: float | None,
) -> npt.NDArray[np.int64] | None:
    """A first solution: the LP optimum ``x_lp`` with its fractional edges decided by a small
    MILP, every other edge kept at its LP value (RENS); None if that has no solution."""
    at_one = graph.locked | (x_lp > 1.0 - _INTEGRAL)
    fractional = ~at_one & (x_lp > _INTEGRAL)
    keep = np.flatnonzero(fractional)
    found = _milp(graph, columns, b_le, keep, ones=at_one, deadline=deadline, beat=None)
    if found is None or found[0] is None:
        return None
    return np.union1d(keep[found[0]], np.flatnonzero(at_one)).astype(np.int64)


def _milp(
    graph: AssignmentGraph,
    columns: sp.csc_array,
    b_le: npt.NDArray[np.float64],
    idx: npt.NDArray[np.intp],
    *,
    ones: npt.NDArray[np.bool_],
    deadline: float | None,
    beat: float | None,
) -> tuple[npt.NDArray[np.intp] | None, bool] | None:
    """Solve over columns ``idx`` with the ``ones`` edges fixed to 1 (moved to the right side)
    and the other edges fixed to 0; with ``beat``, only solutions of total score > ``beat``
    are sought (HiGHS ``objective_bound``: it prunes with it as if it were an incumbent).

    Returns (chosen positions in ``idx`` or None if there is none, proven) or None when the
    time limit passed first without a solution.
    """
    rhs = b_le - columns[:, np.flatnonzero(ones)] @ np.ones(int(ones.sum()))
    fixed = float(graph.score[ones].sum())
    if idx.size == 0:
        feasible = bool(np.all(rhs >= -1e-9)) and (beat is None or fixed > beat)
        return (np.empty(0, dtype=np.intp) if feasible else None), True
    # A cheap presolve (HiGHS's own is far too slow here, see the module doc): columns that
    # cannot be 1 (their row would break whatever the others do; most often a place or a
    # candidate already taken by a fixed edge) are dropped, then rows no choice can break.
    a, live = sp.csr_array(columns[:, idx]), np.arange(idx.size)
    while True:
        low = a.minimum(0.0) @ np.ones(live.size)
        if np.any(low > rhs + 1e-9):
            return None, True
        nz = a.tocoo()
        dead = low[nz.row] - np.minimum(nz.data, 0.0) + nz.data > rhs[nz.row] + 1e-9
        if not dead.any():
            break
        alive = np.ones(live.size, dtype=np.bool_)
        alive[nz.col[dead]] = False
        a, live = sp.csr_array(a[:, alive]), live[alive]
    binding = a.maximum(0.0) @ np.ones(live.size) > rhs + 1e-9
    if live.size == 0:
        feasible = beat is None or fixed > beat
        return (np.empty(0, dtype=np.intp) if feasible else None), True
    options: dict[str, float | bool] = {
        "mip_rel_gap": 0.0,
        "presolve": False,
        **_HEURISTICS,
        **_time_left(deadline),
    }
    if beat is not None:
        options["objective_bound"] = fixed - beat  # minimising -score over ``idx``
    with warnings.catch_warnings():  # scipy passes these options to HiGHS with a warning
        warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
        warnings.filterwarnings("ignore", "Unrecognized options", OptimizeWarning)  # old HiGHS
        result = milp(
            -graph.score[idx[live]],
            integrality=np.ones(live.size, dtype=np.int8),
            bounds=Bounds(0.0, 1.0),
            constraints=LinearConstraint(a[binding], -np.inf, rhs[binding]),
            options=options,
        )
    if result.status == 2:
        return None, True
    if result.x is None:
        if result.status == 1:
            return None
        raise MatchingError(f"HiGHS failed on the quota MILP: {result.message}")
    return live[np.asarray(result.x) > 0.5], result.status == 0


def _time_left(deadline: float | None) -> dict[str, float]:
    """HiGHS ``time_limit`` option for what is left before ``deadline`` (none: no option)."""
    return {} if deadline is None else {"time_limit": max(1.0, deadline - time.monotonic())}


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

"""Exact maximum-weight bipartite b-matching on integer weights (the core of ``optimal``).

Problem: rows (candidates) take at most one edge, column ``o`` (an opening) at most
``cap[o]`` edges; maximise the sum of the (positive, integer) weights of the chosen edges.

Method: *working set + exact certificate* (column generation on a totally unimodular LP).

1. Start from a small working set of edges: each column's ``ceil(alpha * cap)`` heaviest edges
   plus each row's heaviest edge.
2. Solve the working-set problem exactly (``_solve_subproblem``) and get integral column duals
   ``v >= 0`` from it.
3. Price every edge: with ``u[r] = max(0, max_e (w_e - v[col_e]))`` the pair ``(u, v)`` is
   dual feasible for the *whole* graph by construction, so ``sum(u) + cap @ v`` bounds the
   optimum from above. Edges with ``w_e > u_ws[r] + v[c]`` (reduced cost positive against the
   working-set duals) join the working set and we go back to 2.
4. Stop when the upper bound equals the primal value: that is a proof of optimality, in exact
   integer arithmetic.

The certificate makes the result exact whatever the sub-solver's numerics; if it ever failed
to close without violators, the full problem is solved by HiGHS MILP (never seen in tests).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, linprog, milp

__all__ = ["max_weight_bmatching"]

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

_ALPHA = 2.0


def max_weight_bmatching(*, n_rows: int, cap: I64, row: I64, col: I64, weight: I64) -> Bool:
    """Return the mask of chosen edges of an optimal b-matching.

    ``row`` is sorted ascending (ties in any order); ``weight > 0``; ``cap > 0``.
    """
    n_edges = row.shape[0]
    if n_edges == 0:
        return np.zeros(0, dtype=np.bool_)
    work = _initial_working_set(n_rows=n_rows, cap=cap, row=row, col=col, weight=weight)
    while True:
        idx = np.flatnonzero(work)
        chosen_ws, v = _solve_subproblem(
            n_rows=n_rows, cap=cap, row=row[idx], col=col[idx], weight=weight[idx]
        )
        chosen = np.zeros(n_edges, dtype=np.bool_)
        chosen[idx[chosen_ws]] = True
        reduced = weight - v[col]
        u_ws = _row_max(n_rows, row[idx], reduced[idx])
        violators = ~work & (reduced > u_ws[row])
        if violators.any():
            work |= violators
            continue
        if _proves_optimal(
            n_rows=n_rows, cap=cap, row=row, col=col, weight=weight, chosen=chosen, v=v
        ):
            return chosen
        return _solve_milp(n_rows=n_rows, cap=cap, row=row, col=col, weight=weight)


def _proves_optimal(
    *, n_rows: int, cap: I64, row: I64, col: I64, weight: I64, chosen: Bool, v: I64
) -> bool:
    """Feasible, and its value meets the dual bound of ``v`` (exact integer arithmetic)."""
    if np.any(np.bincount(row[chosen], minlength=n_rows) > 1):
        return False
    if np.any(np.bincount(col[chosen], minlength=cap.shape[0]) > cap):
        return False
    u = _row_max(n_rows, row, weight - v[col])
    upper = int(u.sum()) + int(cap @ v)
    return upper == int(weight[chosen].sum())


def _row_max(n_rows: int, row: I64, value: I64) -> I64:
    """``max(0, max over the row's edges of value)`` per row."""
    out = np.zeros(n_rows, dtype=np.int64)
    np.maximum.at(out, row, value)
    return out


def _initial_working_set(*, n_rows: int, cap: I64, row: I64, col: I64, weight: I64) -> Bool:
    n_edges = row.shape[0]
    # per column, heaviest first, ties by row (edges arrive sorted by row; the sort is stable)
    key = col.astype(np.int64) * (int(weight.max()) + 1) + (int(weight.max()) - weight)
    order = np.argsort(key, kind="stable")
    col_sorted = col[order]
    first = np.searchsorted(col_sorted, col_sorted, side="left")
    rank = np.arange(n_edges, dtype=np.int64) - first
    limit = np.ceil(_ALPHA * cap[col_sorted]).astype(np.int64)
    work = np.zeros(n_edges, dtype=np.bool_)
    work[order[rank < limit]] = True
    # each row's heaviest edge (first of the maxima)
    best = np.full(n_rows, -1, dtype=np.int64)
    np.maximum.at(best, row, weight)
    is_best = weight == best[row]
    first_best = np.flatnonzero(is_best)
    _, first_of_row = np.unique(row[first_best], return_index=True)
    work[first_best[first_of_row]] = True
    return work


def _solve_subproblem(
    *, n_rows: int, cap: I64, row: I64, col: I64, weight: I64
) -> tuple[Bool, I64]:
    """Exact solve of the working-set problem: chosen mask and integral column duals."""
    rows_used, r = np.unique(row, return_inverse=True)
    n_r = rows_used.shape[0]
    n_c = cap.shape[0]
    m = row.shape[0]
    a_ub = sp.csr_array(
        (
            np.ones(2 * m),
            (np.concatenate([r, n_r + col]), np.concatenate([np.arange(m)] * 2)),
        ),
        shape=(n_r + n_c, m),
    )
    b_ub = np.concatenate([np.ones(n_r), cap.astype(np.float64)])
    res = linprog(
        -weight.astype(np.float64), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs-ds"
    )
    if res.status != 0:  # pragma: no cover - HiGHS failing on a bounded feasible LP
        raise RuntimeError(f"HiGHS failed on the working set: {res.message}")
    x = np.asarray(res.x)
    chosen = x > 0.5
    duals = np.rint(-np.asarray(res.ineqlin.marginals)).astype(np.int64)
    v = np.maximum(duals[n_r:], 0)
    return chosen, v


def _solve_milp(*, n_rows: int, cap: I64, row: I64, col: I64, weight: I64) -> Bool:
    m = row.shape[0]
    n_c = cap.shape[0]
    a = sp.csr_array(
        (
            np.ones(2 * m),
            (np.concatenate([row, n_rows + col]), np.concatenate([np.arange(m)] * 2)),
        ),
        shape=(n_rows + n_c, m),
    )
    ub = np.concatenate([np.ones(n_rows), cap.astype(np.float64)])
    res = milp(
        -weight.astype(np.float64),
        constraints=LinearConstraint(a, -np.inf, ub),
        integrality=np.ones(m),
        bounds=(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if res.status != 0:  # pragma: no cover
        raise RuntimeError(f"HiGHS MILP failed: {res.message}")
    return np.asarray(res.x) > 0.5

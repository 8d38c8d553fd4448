"""Exact maximum-weight bipartite b-matching on integer weights (the core of ``optimal``).

Problem: rows (candidates) take at most one edge, column ``o`` (an opening) at most
``cap[o]`` edges; maximise the sum of the (positive, integer) weights ``q`` of chosen edges.

Method: an eps-scaling forward/reverse auction (``_auction``) on a *working set* of edges,
priced against the whole graph, closed by an exact integer certificate.

* Weights are multiplied by ``scale = n_persons + 1`` (``W = q * scale``); the last auction
  phase runs at ``eps = 1``, so the assignment is within ``n_persons < scale`` of the optimum in
  ``W`` units, i.e. within less than one unit of ``q``: optimal, since ``q`` is integral.
* Phases: eps shrinks by ``_EPS_FACTOR`` from ``max W / _EPS_FACTOR``; each phase evicts the
  persons violating eps-CS, runs forward rounds until everyone is placed, then reverse rounds
  until no free slot keeps a positive price (which the certificate needs).
* Working set: each opening's ``ceil(8 * cap)`` and each row's 5 heaviest edges (ties in a
  scrambled fixed order, so identical candidates do not all share one short list). After the
  last phase every edge of the graph is priced; rows whose best value over *all* their edges
  beats their current one by more than ``eps`` bring those edges into the working set and the
  phases run again from ``largest shortfall / _EPS_FACTOR`` (not from eps = 1: the new edges
  can call for large price moves), until no row is short.
* Certificate: ``u[r] = max(0, max_e W_e - P[col_e])`` and the opening prices ``P >= 0`` are
  dual feasible by construction, so ``sum(u) + cap @ P`` bounds the optimum; the solution is
  accepted only if it is feasible and within ``scale`` of that bound (Python integers, exact).
  Otherwise (a bug, never seen) the whole problem goes to HiGHS MILP, as it does when the
  auction exceeds its round limit. That limit is reached on near-*balanced* graphs of wholly
  identical candidates (every candidate the same score on every opening and places >= about
  the candidates: forward bids then climb one price level at a time, Theta(n^2) bids); the
  answer is still exact, only slower.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, milp

from matching.solvers._auction import AuctionState

__all__ = ["max_weight_bmatching"]

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

_COLUMN_DEPTH = 8.0  # working set: each opening's ceil(_COLUMN_DEPTH * cap) heaviest edges
_ROW_DEPTH = 5  # ... and each row's _ROW_DEPTH heaviest edges
_EPS_FACTOR = 32  # eps shrinks by this factor between auction phases
_ROUNDS_BASE = 2_000  # round limit = base + per person * persons; beyond it, MILP answers
_ROUNDS_PER_PERSON = 4
_WEIGHT_BITS = 30  # weights are below 2**30
_SCRAMBLE = 0x5851F42D4C957F2D  # odd multiplier scrambling tie order in the working set


def max_weight_bmatching(*, n_rows: int, cap: I64, row: I64, col: I64, weight: I64) -> Bool:
    """Return the mask of chosen edges of an optimal b-matching.

    ``row`` is sorted ascending; ``0 < weight < 2**30``; rows/columns without edges are fine.
    """
    n_edges = row.shape[0]
    if n_edges == 0:
        return np.zeros(0, dtype=np.bool_)
    indptr = np.searchsorted(row, np.arange(n_rows + 1)).astype(np.int64)
    scale = int(np.count_nonzero(indptr[1:] > indptr[:-1])) + 1
    big = weight * scale
    max_rounds = _ROUNDS_BASE + _ROUNDS_PER_PERSON * scale
    state = AuctionState(capacity=cap, n_persons=n_rows, weight=big)
    work = _initial_working_set(indptr=indptr, cap=cap, row=row, col=col, weight=weight)
    _use_edges(state, work, row=row, col=col, n_rows=n_rows)
    done = _scale(state, start=int(big.max()), max_rounds=max_rounds)
    while done:  # price the whole graph
        best = state.best_values(indptr=indptr, col=col, w=big)
        current = state.values(own_bid=False)
        short = current < best - 1
        if not short.any():
            break
        gain = big - state.P[col]
        work |= short[row] & (gain > (current + 1)[row])
        _use_edges(state, work, row=row, col=col, n_rows=n_rows)
        # re-scale from the largest shortfall: the new edges may call for large price moves,
        # which rounds at eps = 1 would make one unit at a time
        done = _scale(state, start=int((best - current).max()), max_rounds=max_rounds)
    if not done:  # round limit (degenerate, balanced identical candidates): exact MILP
        return _solve_milp(n_rows=n_rows, cap=cap, row=row, col=col, weight=weight)
    chosen = np.zeros(n_edges, dtype=np.bool_)
    chosen[state.edge_of[state.edge_of >= 0]] = True
    bound = sum(best.tolist()) + sum((cap * state.P).tolist())
    if _feasible(n_rows=n_rows, cap=cap, row=row, col=col, chosen=chosen) and (
        bound - sum(big[chosen].tolist()) < scale
    ):
        return chosen
    return _solve_milp(n_rows=n_rows, cap=cap, row=row, col=col, weight=weight)  # pragma: no cover


def _scale(state: AuctionState, *, start: int, max_rounds: int) -> bool:
    """eps-scaling phases from ``start // _EPS_FACTOR`` down to eps = 1 (False: rounds ran out)."""
    eps = max(1, start // _EPS_FACTOR)
    while True:
        state.restore(eps)
        if not state.solve_phase(eps, max_rounds=max_rounds):
            return False
        if eps == 1:
            return True
        eps = max(1, eps // _EPS_FACTOR)


def _use_edges(state: AuctionState, work: Bool, *, row: I64, col: I64, n_rows: int) -> None:
    edge_id = np.flatnonzero(work).astype(np.int64)
    indptr = np.searchsorted(row[edge_id], np.arange(n_rows + 1)).astype(np.int64)
    state.set_edges(indptr=indptr, col=col[edge_id], edge_id=edge_id)


def _feasible(*, n_rows: int, cap: I64, row: I64, col: I64, chosen: Bool) -> bool:
    if np.any(np.bincount(row[chosen], minlength=n_rows) > 1):
        return False
    return not np.any(np.bincount(col[chosen], minlength=cap.shape[0]) > cap)


def _initial_working_set(*, indptr: I64, cap: I64, row: I64, col: I64, weight: I64) -> Bool:
    """Each opening's ``ceil(_COLUMN_DEPTH * cap)`` and each row's ``_ROW_DEPTH`` heaviest edges."""
    n_rows = indptr.shape[0] - 1
    limit = np.ceil(_COLUMN_DEPTH * cap).astype(np.int64)
    work = _heaviest_per_group(group=col, weight=weight, limit=limit)
    work |= _heaviest_per_group(
        group=row, weight=weight, limit=np.full(n_rows, _ROW_DEPTH, dtype=np.int64)
    )
    return work


def _heaviest_per_group(*, group: I64, weight: I64, limit: I64) -> Bool:
    """Mask of each group's ``limit[g]`` heaviest edges (ties: lowest edge id)."""
    n_groups = limit.shape[0]
    order = _by_column_heaviest_first(col=group, weight=weight, n_cols=n_groups)
    per_group = np.bincount(group, minlength=n_groups)
    first = np.cumsum(per_group) - per_group
    rank = np.arange(group.shape[0], dtype=np.int64) - np.repeat(first, per_group)
    mask = np.zeros(group.shape[0], dtype=np.bool_)
    mask[order[rank < limit[group[order]]]] = True
    return mask


def _by_column_heaviest_first(*, col: I64, weight: I64, n_cols: int) -> I64:
    """Edge ids ordered by column, then weight descending (coarsened), then edge id.

    Packs (column, coarse weight, edge id) into one unique int64 and sorts the keys, several
    times faster than an argsort and tie-free (so machine-independent). Only the working set
    depends on this order, never the optimum.
    """
    edge_bits = max(1, (col.shape[0] - 1).bit_length())
    col_bits = max(1, (n_cols - 1).bit_length())
    weight_bits = min(_WEIGHT_BITS, 63 - edge_bits - col_bits)
    if weight_bits < 8:  # pragma: no cover - beyond 2**40 edges x columns
        order: I64 = np.lexsort((np.arange(col.shape[0]), -weight, col)).astype(np.int64)
        return order
    coarse = (1 << weight_bits) - 1 - (weight >> (_WEIGHT_BITS - weight_bits))
    key = (col << (weight_bits + edge_bits)) | (coarse << edge_bits)
    # ties in a scrambled (but fixed) edge order: ``id * odd mod 2**edge_bits`` is a bijection,
    # so equal edges (identical candidates) spread over the groups' lists instead of every
    # group keeping the same lowest ids
    mask = (1 << edge_bits) - 1
    odd = _SCRAMBLE & mask | 1
    key |= (np.arange(col.shape[0], dtype=np.int64) * odd) & mask
    key.sort()
    edge_ids: I64 = ((key & mask) * pow(odd, -1, 1 << edge_bits)) & mask
    return edge_ids


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
        # HiGHS presolve removes nothing from these (totally unimodular) models yet took 70 s
        # on a 10k x 1k one; without it the root LP is integral and solves in ~2 s.
        options={"presolve": False, "mip_rel_gap": 0.0},
    )
    if res.status != 0:  # pragma: no cover
        raise RuntimeError(f"HiGHS MILP failed: {res.message}")
    return np.asarray(res.x) > 0.5

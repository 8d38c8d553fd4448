"""Mode "quotas": maximum total score under minimum / maximum group shares, solved exactly.

A :class:`Quota` bounds the share of a group (e.g. ``gender = f``) among the **placements made**
in each *scope unit*: the whole programme, each employer, or each opening. For a unit ``u`` with
edges ``E_u`` and a share written as the fraction ``num/den`` (the nearest fraction with
``den <= 10**6``, so ``0.3`` is exactly ``3/10``)::

    den * sum_{e in E_u, cand(e) in group} x_e  >=  num * sum_{e in E_u} x_e     (min_share)
    den * sum_{e in E_u, cand(e) in group} x_e  <=  num * sum_{e in E_u} x_e     (max_share)

Both are linear with integer coefficients, so an integral solution meets them *exactly* (the
result is re-checked in integers). A unit with no placement meets every quota (0 >= 0): a quota
never forces a placement, it can only forbid some — :class:`QuotaShare` reports, per quota, the
placements in its scope with and without the quotas and the units the quotas left empty, so
such a collapse is visible. Without locks the empty solution meets every quota, so only locked
pairs can make quotas unreachable; then ``UnreachableQuotaError`` is raised with a diagnosis
per quota (see :mod:`matching.solvers.quota_diagnosis`).

The MILP maximises total score subject to one placement per candidate, ``capacity`` per
opening, locked edges fixed to 1 and the quota rows. It is solved exactly by scipy's HiGHS
(``mip_rel_gap=0``, status checked) on a working set of edges, the others priced out by LP
duals until none can improve the incumbent (:mod:`matching.solvers._quota_milp`). With
``time_limit`` (seconds, for the HiGHS MILP calls) reached, the best solution found is returned
with ``QuotaResult.optimal == False`` and a proven relative ``gap``; reached before any solution,
:class:`QuotaTimeLimitError` is raised. The price of fairness is measured against
:func:`matching.solvers.optimal.solve_optimal` on the same graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching.errors import MatchingError
from matching.solvers._quota_milp import TimeLimitWithoutSolution, solve_01
from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.locks import residual_capacity
from matching.solvers.optimal import solve_optimal
from matching.solvers.quota_diagnosis import UnreachableQuotaError, diagnose
from matching.solvers.quota_spec import (
    GroupColumn,
    Quota,
    as_fraction,
    check_quota,
    quota_units,
)

__all__ = [
    "QuotaResult",
    "QuotaShare",
    "QuotaTimeLimitError",
    "measure_share",
    "members",
    "solve_with_quotas",
]

IntArray = npt.NDArray[np.int64]


class QuotaTimeLimitError(MatchingError):
    """The time limit passed before the MILP found any solution meeting the quotas."""


@dataclass(frozen=True, slots=True)
class QuotaShare:
    """How one quota came out. Shares are over units with at least one placement."""

    quota: Quota
    lowest_share: float | None  # None: no unit has a placement
    highest_share: float | None
    placements: int  # in the quota's scope, with the quotas ...
    placements_without: int  # ... and in the unconstrained optimum
    emptied_units: int  # units placed in without the quotas, empty with them


@dataclass(frozen=True, slots=True)
class QuotaResult:
    solution: Solution  # solver "quotas"
    unconstrained: Solution  # the optimum without quotas (same graph, same locks)
    shares: tuple[QuotaShare, ...]
    optimal: bool  # False only when the time limit stopped HiGHS first
    gap: float  # HiGHS's relative gap of ``solution`` (0.0 when optimal)

    @property
    def price_of_fairness(self) -> float:
        """Total score given up for the quotas: unconstrained minus constrained, never < 0."""
        return max(0.0, self.unconstrained.total - self.solution.total)


def solve_with_quotas(
    graph: AssignmentGraph,
    *,
    groups: Mapping[str, GroupColumn],
    quotas: Sequence[Quota],
    employer: npt.NDArray[np.integer] | None = None,
    time_limit: float | None = None,
    unconstrained: Solution | None = None,
) -> QuotaResult:
    """Maximum total score meeting every quota; see the module docstring for the model.

    ``groups`` maps each quota's ``group`` to a :class:`GroupColumn`; ``employer`` (one int per
    opening) is required by employer-scope quotas. ``unconstrained``: the caller's
    ``solve_optimal(graph)`` result if it has one (computed here otherwise). Raises
    ``UnreachableQuotaError`` (an ``InfeasibleError``) with diagnoses when locked pairs make a
    quota unreachable, ``InvalidRecordError`` (naming ``quotas.<i>.<field>``) for an invalid
    quota.
    """
    for i, quota in enumerate(quotas):
        check_quota(quota, field=f"quotas.{i}")
    residual_capacity(graph)  # locks that conflict among themselves are not a quota matter
    in_group = members(graph, groups, quotas)
    rows = [_quota_rows(graph, q, in_group[i], employer=employer) for i, q in enumerate(quotas)]
    a_le, b_le = _model(graph, rows)
    try:
        found = solve_01(graph, a_le, b_le, time_limit=time_limit)
    except TimeLimitWithoutSolution as exc:
        raise QuotaTimeLimitError(str(exc)) from None
    if found is None:
        raise UnreachableQuotaError(
            diagnose(graph, groups=groups, quotas=quotas, employer=employer)
        )
    chosen, optimal, gap = found
    solution = Solution(edges=chosen, total=float(graph.score[chosen].sum()), solver="quotas")
    if unconstrained is None:
        unconstrained = solve_optimal(graph)
    shares = tuple(
        _check_share(graph, q, in_group[i], solution, unconstrained, employer=employer)
        for i, q in enumerate(quotas)
    )
    return QuotaResult(solution, unconstrained, shares, optimal=optimal, gap=gap)


# --- the model -----------------------------------------------------------------------------


def members(
    graph: AssignmentGraph, groups: Mapping[str, GroupColumn], quotas: Sequence[Quota]
) -> list[npt.NDArray[np.bool_]]:
    """Per quota, the mask of the edges whose candidate is in the quota's group."""
    out = []
    for quota in quotas:
        column = groups.get(quota.group)
        if column is None:
            raise ValueError(f"{quota}: no group column {quota.group!r} in groups")
        if column.codes.shape != (graph.n_candidates,):
            raise ValueError(
                f"group {quota.group!r}: codes must have shape ({graph.n_candidates},), "
                f"got {column.codes.shape}"
            )
        out.append(column.members(quota.value)[graph.cand])
    return out


def _quota_rows(
    graph: AssignmentGraph,
    quota: Quota,
    in_group: npt.NDArray[np.bool_],
    *,
    employer: npt.NDArray[np.integer] | None,
) -> sp.csr_array:
    """Rows ``A x <= 0`` of one quota, one per unit and bound, with integer coefficients."""
    unit_ids, unit = np.unique(quota_units(graph, quota, employer=employer), return_inverse=True)
    n_units, edge = unit_ids.shape[0], np.arange(graph.n_edges)
    blocks = []
    for share, sign in ((quota.min_share, -1), (quota.max_share, 1)):
        if share is None:
            continue
        frac = as_fraction(share)
        coef = sign * np.where(in_group, frac.denominator - frac.numerator, -frac.numerator)
        blocks.append(
            sp.csr_array((coef.astype(np.float64), (unit, edge)), shape=(n_units, graph.n_edges))
        )
    return sp.csr_array(sp.vstack(blocks))


def _model(
    graph: AssignmentGraph, quota_rows: Sequence[sp.csr_array]
) -> tuple[sp.csr_array, npt.NDArray[np.float64]]:
    """``A x <= b``: one placement per candidate, capacity per opening, then the quota rows."""
    n, edge, ones = graph.n_edges, np.arange(graph.n_edges), np.ones(graph.n_edges)
    cand_rows = sp.csr_array((ones, (graph.cand, edge)), shape=(graph.n_candidates, n))
    open_rows = sp.csr_array((ones, (graph.opening, edge)), shape=(graph.n_openings, n))
    a_le = sp.csr_array(sp.vstack([cand_rows, open_rows, *quota_rows]))
    b_le = np.concatenate(
        (
            np.ones(graph.n_candidates),
            graph.capacity.astype(np.float64),
            np.zeros(sum(rows.shape[0] for rows in quota_rows)),
        )
    )
    return a_le, b_le


# --- the check -----------------------------------------------------------------------------


def _check_share(
    graph: AssignmentGraph,
    quota: Quota,
    in_group: npt.NDArray[np.bool_],
    solution: Solution,
    unconstrained: Solution,
    *,
    employer: npt.NDArray[np.integer] | None,
) -> QuotaShare:
    """Re-check ``quota`` on ``solution`` in integers (raise if HiGHS's answer breaks it)."""
    _, placed, placed_g = _placed(graph, quota, in_group, solution, employer=employer)
    for share, is_min in ((quota.min_share, True), (quota.max_share, False)):
        if share is None:
            continue
        frac = as_fraction(share)
        lhs, rhs = frac.denominator * placed_g, frac.numerator * placed
        if np.any(lhs < rhs) if is_min else np.any(lhs > rhs):
            raise MatchingError(f"{quota}: the MILP solution breaks the quota (solver tolerance)")
    return measure_share(graph, quota, in_group, solution, unconstrained, employer=employer)


def _placed(
    graph: AssignmentGraph,
    quota: Quota,
    in_group: npt.NDArray[np.bool_],
    solution: Solution,
    *,
    employer: npt.NDArray[np.integer] | None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The scope unit of every edge, and per unit the placements and those of the group."""
    unit = quota_units(graph, quota, employer=employer)
    n_units = int(unit.max()) + 1 if unit.size else 0
    placed = np.bincount(unit[solution.edges], minlength=n_units)
    placed_g = np.bincount(unit[solution.edges[in_group[solution.edges]]], minlength=n_units)
    return unit, placed, placed_g


def measure_share(
    graph: AssignmentGraph,
    quota: Quota,
    in_group: npt.NDArray[np.bool_],
    solution: Solution,
    unconstrained: Solution,
    *,
    employer: npt.NDArray[np.integer] | None,
) -> QuotaShare:
    """How the group and scope of ``quota`` came out in ``solution`` (no check of its shares).

    ``in_group``: the edge mask of :func:`members` for this quota.
    """
    unit, placed, placed_g = _placed(graph, quota, in_group, solution, employer=employer)
    before = np.bincount(unit[unconstrained.edges], minlength=placed.size)
    used = placed > 0
    ratio = placed_g[used] / placed[used]
    return QuotaShare(
        quota=quota,
        lowest_share=float(ratio.min()) if ratio.size else None,
        highest_share=float(ratio.max()) if ratio.size else None,
        placements=int(placed.sum()),
        placements_without=int(before.sum()),
        emptied_units=int(np.count_nonzero((before > 0) & ~used)),
    )

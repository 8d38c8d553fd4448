"""Why quotas cannot hold, and how far they can be relaxed.

A unit with no placement meets every quota, so only *locked* placements make a quota
unreachable: a unit whose locked placements have too low (or too high) a group share, which
the free places cannot correct. For such a unit, with ``L`` locked placements of which ``G``
in the group, the best share reachable *in that unit on its own* is

* for ``min_share``: ``(G + a) / (L + a)``, ``a`` the largest number of unlocked group
  candidates that can be placed there at once (a maximum flow over the unit's edges and the
  places left after the locks);
* for ``max_share``: ``G / (L + b)``, ``b`` the same for candidates outside the group.

:func:`diagnose` reports, per unreachable quota, its worst unit, that best share and why
(too few eligible candidates of the group, or too few places); :func:`relax` turns the
diagnoses into quotas that the units can meet on their own, to re-run the round with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from matching.errors import InfeasibleError
from matching.solvers.graph import AssignmentGraph
from matching.solvers.locks import residual_capacity
from matching.solvers.quota_spec import GroupColumn, Quota, as_fraction, quota_units

__all__ = ["QuotaDiagnosis", "UnreachableQuotaError", "diagnose", "relax"]


@dataclass(frozen=True, slots=True)
class QuotaDiagnosis:
    """One quota that cannot be met. ``unit``: employer or opening index (None: programme).

    ``best_share`` is the highest share reachable for a ``min_share``, the lowest for a
    ``max_share`` (``reached_in_group / reached_total`` exactly); ``None`` when the quota is only
    unreachable in combination with the other quotas.
    """

    index: int
    quota: Quota
    bound: Literal["min_share", "max_share"]
    unit: int | None
    best_share: float | None
    reached_in_group: int
    reached_total: int
    locked: int
    locked_in_group: int
    eligible: int  # unlocked candidates that could fill the unit's free places (group side)
    free_places: int
    reason: str

    def __str__(self) -> str:
        where = "" if self.unit is None else f" at {self.quota.scope} {self.unit}"
        best = "" if self.best_share is None else f"; best share reachable {self.best_share:.1%}"
        return f"quota {self.index} ({self.quota}) unreachable{where}{best}: {self.reason}"


class UnreachableQuotaError(InfeasibleError):
    """The quotas cannot hold with the locked pairs; ``diagnoses`` says which and why."""

    def __init__(self, diagnoses: Sequence[QuotaDiagnosis]) -> None:
        self.diagnoses = tuple(diagnoses)
        super().__init__("; ".join(str(d) for d in self.diagnoses))


def relax(quotas: Sequence[Quota], diagnoses: Sequence[QuotaDiagnosis]) -> tuple[Quota, ...]:
    """``quotas`` with each diagnosed bound moved to its best reachable share.

    A ``min_share`` drops to the best share reachable, a ``max_share`` rises to the lowest one;
    quotas unreachable only in combination (``best_share is None``) are left for the caller.
    """
    out = list(quotas)
    for diagnosis in diagnoses:
        if diagnosis.best_share is None:
            continue
        quota = out[diagnosis.index]
        if diagnosis.bound == "min_share":
            quota = replace(quota, min_share=diagnosis.best_share)
        else:
            quota = replace(quota, max_share=diagnosis.best_share)
        out[diagnosis.index] = quota
    return tuple(out)


def diagnose(
    graph: AssignmentGraph,
    *,
    groups: Mapping[str, GroupColumn],
    quotas: Sequence[Quota],
    employer: npt.NDArray[np.integer] | None = None,
) -> tuple[QuotaDiagnosis, ...]:
    """A diagnosis per quota that the locked pairs make unreachable (see module docstring).

    When no quota is unreachable on its own, the quotas conflict with one another: every quota
    is returned with ``best_share=None``.
    """
    residual = residual_capacity(graph)
    locked_cand = np.zeros(graph.n_candidates, dtype=np.bool_)
    locked_cand[graph.cand[graph.locked]] = True
    free_edge = ~locked_cand[graph.cand] & (residual[graph.opening] > 0)
    found = []
    for index, quota in enumerate(quotas):
        in_group = groups[quota.group].members(quota.value)[graph.cand]
        unit = quota_units(graph, quota, employer=employer)
        for bound in ("min", "max"):
            worst = _worst_unit(graph, quota, index, bound, in_group, unit, free_edge, residual)
            if worst is not None:
                found.append(worst)
    if found:
        return tuple(found)
    return tuple(
        QuotaDiagnosis(
            index=i,
            quota=q,
            bound="min_share" if q.min_share is not None else "max_share",
            unit=None,
            best_share=None,
            reached_in_group=0,
            reached_total=0,
            locked=int(np.count_nonzero(graph.locked)),
            locked_in_group=0,
            eligible=0,
            free_places=int(residual.sum()),
            reason="the quotas cannot all hold together with the locked pairs",
        )
        for i, q in enumerate(quotas)
    )


def _worst_unit(
    graph: AssignmentGraph,
    quota: Quota,
    index: int,
    bound: str,
    in_group: npt.NDArray[np.bool_],
    unit: npt.NDArray[np.int64],
    free_edge: npt.NDArray[np.bool_],
    residual: npt.NDArray[np.int64],
) -> QuotaDiagnosis | None:
    share = quota.min_share if bound == "min" else quota.max_share
    if share is None:
        return None
    frac = as_fraction(share)
    n_units = int(unit.max()) + 1 if unit.size else 0
    locked = np.bincount(unit[graph.locked], minlength=n_units)
    locked_g = np.bincount(unit[graph.locked & in_group], minlength=n_units)
    if bound == "min":
        suspects = np.flatnonzero(frac.denominator * locked_g < frac.numerator * locked)
    else:
        suspects = np.flatnonzero(frac.denominator * locked_g > frac.numerator * locked)
    # Candidates who could move the share the right way: the group for a min, the rest for a max.
    helpers = free_edge & (in_group if bound == "min" else ~in_group)
    worst: QuotaDiagnosis | None = None
    worst_share = Fraction(2)
    for u in suspects.tolist():
        edges = np.flatnonzero(helpers & (unit == u))
        added = _max_placements(graph, edges, residual)
        big_l, big_g = int(locked[u]), int(locked_g[u])
        group, total = (big_g + added, big_l + added) if bound == "min" else (big_g, big_l + added)
        best = Fraction(group, total)
        if (best >= frac) if bound == "min" else (best <= frac):
            continue
        key = best if bound == "min" else 1 - best
        if key >= worst_share:
            continue
        worst_share = key
        openings = np.unique(graph.opening[unit == u])
        eligible = int(np.unique(graph.cand[edges]).size)
        free_places = int(residual[openings].sum())
        worst = QuotaDiagnosis(
            index=index,
            quota=quota,
            bound="min_share" if bound == "min" else "max_share",
            unit=None if quota.scope == "programme" else u,
            best_share=float(best),
            reached_in_group=group,
            reached_total=total,
            locked=big_l,
            locked_in_group=big_g,
            eligible=eligible,
            free_places=free_places,
            reason=_reason(quota, bound, added, eligible, free_places, big_l, big_g),
        )
    return worst


def _reason(
    quota: Quota, bound: str, added: int, eligible: int, free: int, locked: int, locked_g: int
) -> str:
    who = f"{quota.group}={quota.value}" if bound == "min" else f"{quota.group}!={quota.value}"
    locks = f"{locked} locked placement(s), {locked_g} of them {quota.group}={quota.value}"
    if added == eligible and eligible < free:
        return (
            f"too few eligible candidates with {who}: {eligible} for {free} free place(s); {locks}"
        )
    if added == free:
        return f"capacity: {free} free place(s) left after {locks}"
    return (
        f"only {added} of the {eligible} eligible candidates with {who} can be placed at once "
        f"(they compete for the same places); {locks}"
    )


def _max_placements(
    graph: AssignmentGraph, edges: npt.NDArray[np.intp], residual: npt.NDArray[np.int64]
) -> int:
    """Most of ``edges`` that can be chosen at once: one per candidate, ``residual`` per opening."""
    if edges.size == 0:
        return 0
    cands, cand_node = np.unique(graph.cand[edges], return_inverse=True)
    opens, open_node = np.unique(graph.opening[edges], return_inverse=True)
    n_c, n_o = cands.size, opens.size
    source, sink = 0, n_c + n_o + 1
    tail = np.concatenate((np.zeros(n_c), 1 + cand_node, 1 + n_c + np.arange(n_o)))
    head = np.concatenate((1 + np.arange(n_c), 1 + n_c + open_node, np.full(n_o, sink)))
    cap = np.concatenate((np.ones(n_c), np.ones(edges.size), residual[opens]))
    network = sp.csr_matrix(
        (cap.astype(np.int32), (tail.astype(np.int32), head.astype(np.int32))),
        shape=(sink + 1, sink + 1),
    )
    return int(maximum_flow(network, source, sink).flow_value)

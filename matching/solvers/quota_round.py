"""Quotas in a round: from the records to the quota solver and back, unreachable ones relaxed.

:func:`solve_round_quotas` builds the group columns (``Candidate.gender``, ``Candidate.origin``)
and the employer of each opening (``Opening.employer``; openings without one form one unit),
solves with :func:`~matching.solvers.quotas.solve_with_quotas` against the unconstrained
optimum of the same graph (:func:`~matching.solvers.optimal.solve_optimal`), and reports a
:class:`~matching.records.QuotaReport` (price of fairness, shares reached, diagnoses) with ids,
never indices.

Unreachable quotas (only locked pairs can make them so). With ``unreachable="fail"`` the round
stops with an ``InfeasibleError`` naming each quota, its worst unit and why. With ``"relax"``
each diagnosed bound is moved to the best share reachable in its worst unit
(:func:`~matching.solvers.quota_diagnosis.relax`) and the round solved again; a bound that is
unreachable only together with the others (no best share on its own) is dropped, the last
quota first, until the rest hold. Every relaxation is listed in the report (``shortfalls``,
``applied``), so the result is never a silent partial answer, and the ``applied`` quotas can be
put in the policy to re-run the round as it was solved.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matching.errors import InfeasibleError
from matching.records import (
    Candidate,
    Opening,
    Quota,
    QuotaOutcome,
    QuotaReport,
    QuotaShortfall,
    UnreachableQuotas,
)
from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.optimal import solve_optimal
from matching.solvers.quota_diagnosis import QuotaDiagnosis, UnreachableQuotaError, relax
from matching.solvers.quota_spec import GroupColumn
from matching.solvers.quotas import measure_share, members, solve_with_quotas

__all__ = ["group_column", "solve_round_quotas"]


def group_column(values: Sequence[str | None]) -> GroupColumn:
    """Codes of one candidate attribute (``None`` → -1, in no group), labels sorted."""
    labels = tuple(sorted({v for v in values if v is not None}))
    code = {label: k for k, label in enumerate(labels)}
    codes = np.array([-1 if v is None else code[v] for v in values], dtype=np.int64)
    return GroupColumn(codes=codes, labels=labels)


def solve_round_quotas(
    graph: AssignmentGraph,
    candidates: Sequence[Candidate],
    openings: Sequence[Opening],
    *,
    quotas: Sequence[Quota],
    unreachable: UnreachableQuotas,
) -> tuple[Solution, QuotaReport]:
    """The best solution under ``quotas`` (relaxed when unreachable and allowed) and its report.

    ``candidates`` / ``openings``: the records behind the graph's indices, in index order.
    """
    groups = {
        "gender": group_column([c.gender for c in candidates]),
        "origin": group_column([c.origin for c in candidates]),
    }
    employer_ids, employer = np.unique(
        np.array([o.employer for o in openings], dtype=object), return_inverse=True
    )
    employer = employer.astype(np.int64).reshape(-1)
    units = _UnitNames(
        employers=tuple(str(e) for e in employer_ids), openings=tuple(o.id for o in openings)
    )
    unconstrained = solve_optimal(graph)
    applied: list[Quota | None] = list(quotas)
    shortfalls: list[list[QuotaShortfall]] = [[] for _ in quotas]
    solution, optimal = unconstrained, True
    for _ in range(2 * len(quotas) + 1):  # each pass relaxes or drops at least one bound
        active = [i for i, q in enumerate(applied) if q is not None]
        if not active:
            break
        try:
            found = solve_with_quotas(
                graph,
                groups=groups,
                quotas=[q for q in applied if q is not None],
                employer=employer,
                unconstrained=unconstrained,
            )
        except UnreachableQuotaError as exc:
            if unreachable == "fail":
                raise InfeasibleError(
                    "; ".join(_message(d, active[d.index], units) for d in exc.diagnoses)
                    + ' (policy "unreachable_quotas": "relax" relaxes them to these shares)'
                ) from None
            _relax(applied, shortfalls, exc.diagnoses, active, units)
            continue
        solution, optimal = found.solution, found.optimal
        break
    else:  # pragma: no cover - every pass drops or relaxes a bound, so the loop ends first
        raise AssertionError("quota relaxation did not converge")
    return solution, _report(
        graph,
        groups,
        employer,
        quotas=quotas,
        applied=applied,
        shortfalls=shortfalls,
        solution=solution,
        unconstrained=unconstrained,
        optimal=optimal,
    )


class _UnitNames:
    """Scope unit index → id: an employer (its name) or an opening (its id)."""

    def __init__(self, *, employers: tuple[str, ...], openings: tuple[str, ...]) -> None:
        self.employers, self.openings = employers, openings

    def name(self, quota: Quota, unit: int | None) -> str | None:
        if unit is None or quota.scope == "programme":
            return None
        return self.employers[unit] if quota.scope == "employer" else self.openings[unit]


def _relax(
    applied: list[Quota | None],
    shortfalls: list[list[QuotaShortfall]],
    diagnoses: Sequence[QuotaDiagnosis],
    active: Sequence[int],
    units: _UnitNames,
) -> None:
    """Move each diagnosed bound to its best share; if none has one (the quotas conflict only
    together), drop the last quota. ``diagnoses`` index the ``active`` quotas of ``applied``."""
    if any(d.best_share is not None for d in diagnoses):
        relaxed = relax([q for i in active if (q := applied[i]) is not None], diagnoses)
        for d in diagnoses:
            shortfalls[active[d.index]].append(_shortfall(d, units))
            applied[active[d.index]] = relaxed[d.index]
        return
    last = max(d.index for d in diagnoses)
    shortfalls[active[last]].extend(_shortfall(d, units) for d in diagnoses if d.index == last)
    applied[active[last]] = None


def _shortfall(d: QuotaDiagnosis, units: _UnitNames) -> QuotaShortfall:
    return QuotaShortfall(
        bound=d.bound,
        unit=units.name(d.quota, d.unit),
        best_share=d.best_share,
        reached_in_group=d.reached_in_group,
        reached_total=d.reached_total,
        locked=d.locked,
        locked_in_group=d.locked_in_group,
        eligible=d.eligible,
        free_places=d.free_places,
        reason=d.reason,
    )


def _message(d: QuotaDiagnosis, index: int, units: _UnitNames) -> str:
    name = units.name(d.quota, d.unit)
    where = "" if name is None else f" at {d.quota.scope} {name}"
    best = "" if d.best_share is None else f"; best share reachable {d.best_share:.1%}"
    return f"quota {index} ({d.quota}) unreachable{where}{best}: {d.reason}"


def _report(
    graph: AssignmentGraph,
    groups: dict[str, GroupColumn],
    employer: npt.NDArray[np.int64],
    *,
    quotas: Sequence[Quota],
    applied: Sequence[Quota | None],
    shortfalls: Sequence[Sequence[QuotaShortfall]],
    solution: Solution,
    unconstrained: Solution,
    optimal: bool,
) -> QuotaReport:
    in_group = members(graph, groups, quotas)
    outcomes = []
    for i, quota in enumerate(quotas):
        share = measure_share(graph, quota, in_group[i], solution, unconstrained, employer=employer)
        outcomes.append(
            QuotaOutcome(
                quota=quota,
                applied=applied[i],
                lowest_share=share.lowest_share,
                highest_share=share.highest_share,
                placements=share.placements,
                placements_without=share.placements_without,
                emptied_units=share.emptied_units,
                shortfalls=tuple(shortfalls[i]),
            )
        )
    return QuotaReport(
        status="relaxed" if any(shortfalls) else "met",
        total=solution.total,
        unconstrained_total=unconstrained.total,
        price_of_fairness=max(0.0, unconstrained.total - solution.total),
        optimal=optimal,
        outcomes=tuple(outcomes),
    )

"""Quotas: exact MILP against brute force, exact shares, price of fairness, diagnoses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from matching.errors import InfeasibleError, InvalidRecordError
from matching.solvers.graph import AssignmentGraph
from matching.solvers.quota_diagnosis import UnreachableQuotaError, relax
from matching.solvers.quota_spec import GroupColumn, Quota, QuotaScope, quota_units
from matching.solvers.quotas import QuotaResult, QuotaTimeLimitError, solve_with_quotas
from tests.matching.solver_instances import all_matchings, make_graph

SHARES = (0.0, 0.25, 1 / 3, 0.4, 0.5, 2 / 3, 1.0)
SCOPES: tuple[QuotaScope, ...] = ("programme", "employer", "opening")


@dataclass(frozen=True)
class Instance:
    graph: AssignmentGraph
    gender: GroupColumn
    employer: npt.NDArray[np.int64]
    quotas: tuple[Quota, ...]


@st.composite
def quotas(draw: st.DrawFn) -> Quota:
    low = draw(st.sampled_from((None, *SHARES)))
    high = draw(st.sampled_from((None, *SHARES)))
    if low is None and high is None:
        low = 0.5
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Quota(
        group="gender",
        value=draw(st.sampled_from(("f", "m"))),
        scope=draw(st.sampled_from(SCOPES)),
        min_share=low,
        max_share=high,
    )


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    n_cand = draw(st.integers(1, 6))
    n_open = draw(st.integers(1, 4))
    capacity = draw(st.lists(st.integers(0, 2), min_size=n_open, max_size=n_open))
    all_pairs = list(itertools.product(range(n_cand), range(n_open)))
    present = draw(st.lists(st.booleans(), min_size=len(all_pairs), max_size=len(all_pairs)))
    pairs = [p for p, keep in zip(all_pairs, present, strict=True) if keep]
    # Keep brute force small: at most 3 edges per candidate.
    pairs = [p for p in pairs if sum(1 for q in pairs if q[0] == p[0] and q < p) < 3]
    score = draw(st.lists(st.integers(-2, 9), min_size=len(pairs), max_size=len(pairs)))
    locked: list[tuple[int, int]] = []
    if draw(st.booleans()) and pairs:
        c, o = draw(st.sampled_from(pairs))
        if capacity[o] > 0:
            locked.append((c, o))
    graph = make_graph(n_cand, capacity, pairs, score=[float(s) for s in score], locked=locked)
    codes = draw(st.lists(st.integers(-1, 1), min_size=n_cand, max_size=n_cand))
    employer = draw(st.lists(st.integers(0, 1), min_size=n_open, max_size=n_open))
    return Instance(
        graph=graph,
        gender=GroupColumn(codes=np.array(codes, dtype=np.int64), labels=("f", "m")),
        employer=np.array(employer, dtype=np.int64),
        quotas=tuple(draw(st.lists(quotas(), min_size=1, max_size=2))),
    )


def meets(instance: Instance, edges: npt.NDArray[np.int64], quota: Quota) -> bool:
    """The quota on these edges, in exact fractions (the share as the decimal it was meant)."""
    graph = instance.graph
    unit = quota_units(graph, quota, employer=instance.employer)
    in_group = instance.gender.members(quota.value)[graph.cand]
    for u in np.unique(unit[edges]).tolist():
        placed = edges[unit[edges] == u]
        share = Fraction(int(in_group[placed].sum()), placed.size)
        if quota.min_share is not None and share < Fraction(quota.min_share).limit_denominator():
            return False
        if quota.max_share is not None and share > Fraction(quota.max_share).limit_denominator():
            return False
    return True


def solve(instance: Instance) -> QuotaResult:
    return solve_with_quotas(
        instance.graph,
        groups={"gender": instance.gender},
        quotas=instance.quotas,
        employer=instance.employer,
    )


@settings(max_examples=120, deadline=None)
@given(instances())
def test_milp_equals_brute_force(instance: Instance) -> None:
    graph = instance.graph
    everything = all_matchings(graph)
    feasible = [e for e in everything if all(meets(instance, e, q) for q in instance.quotas)]
    best_without = max(float(graph.score[e].sum()) for e in everything)
    if not feasible:
        with pytest.raises(UnreachableQuotaError):
            solve(instance)
        return
    result = solve(instance)
    assert result.optimal and result.gap == 0.0
    best = max(float(graph.score[e].sum()) for e in feasible)
    assert result.solution.total == pytest.approx(best)
    assert result.unconstrained.total == pytest.approx(best_without)
    assert result.price_of_fairness == pytest.approx(best_without - best, abs=1e-9)
    assert result.price_of_fairness >= 0.0
    chosen = result.solution.edges
    assert all(meets(instance, chosen, q) for q in instance.quotas)
    assert set(np.flatnonzero(graph.locked).tolist()) <= set(chosen.tolist())
    assert np.unique(graph.cand[chosen]).size == chosen.size
    assert np.all(np.bincount(graph.opening[chosen], minlength=graph.n_openings) <= graph.capacity)


def women_and_men(graph: AssignmentGraph, women: list[int]) -> GroupColumn:
    codes = np.ones(graph.n_candidates, dtype=np.int64)
    codes[women] = 0
    return GroupColumn(codes=codes, labels=("f", "m"))


def test_thirty_percent_women_hold_exactly_and_cost_score() -> None:
    # Ten candidates, one opening of 10 places; women (7, 8, 9) score lowest.
    pairs = [(c, 0) for c in range(10)]
    graph = make_graph(10, [10], pairs, score=[10.0 - c for c in range(10)])
    gender = women_and_men(graph, [7, 8, 9])
    quota = Quota("gender", "f", "programme", min_share=0.3)
    result = solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota])
    assert result.solution.edges.tolist() == list(range(10))
    assert result.price_of_fairness == 0.0
    # Only 6 places: 30 % of 6 is 1.8, so two women must be placed (exactly 2/6 >= 3/10).
    graph = make_graph(10, [6], pairs, score=[10.0 - c for c in range(10)])
    result = solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota])
    assert result.solution.edges.tolist() == [0, 1, 2, 3, 7, 8]
    assert result.unconstrained.total == 45.0
    assert result.solution.total == 39.0
    assert result.price_of_fairness == 6.0
    (share,) = result.shares
    assert share.lowest_share == pytest.approx(2 / 6)
    assert (share.placements, share.placements_without, share.emptied_units) == (6, 6, 0)


def test_unit_without_placements_is_vacuous_and_reported() -> None:
    # Opening 1 has only men eligible: a per-opening women quota empties it.
    graph = make_graph(3, [1, 2], [(0, 0), (1, 1), (2, 1)], score=[1.0, 5.0, 5.0])
    gender = women_and_men(graph, [0])
    quota = Quota("gender", "f", "opening", min_share=0.5)
    result = solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota])
    assert result.solution.edges.tolist() == [0]
    assert result.price_of_fairness == 10.0
    (share,) = result.shares
    assert share.emptied_units == 1
    assert (share.placements, share.placements_without) == (1, 3)


def test_employer_scope_uses_the_employer_of_each_opening() -> None:
    # Openings 0 and 1 belong to employer 0, opening 2 to employer 1.
    pairs = [(0, 0), (1, 1), (2, 2), (3, 2)]
    graph = make_graph(4, [1, 1, 2], pairs, score=[1.0, 1.0, 1.0, 1.0])
    gender = women_and_men(graph, [0, 2])
    employer = np.array([0, 0, 1])
    quota = Quota("gender", "f", "employer", max_share=0.5)
    result = solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota], employer=employer)
    assert result.solution.total == 4.0  # employer 0: 1 of 2 women, employer 1: 1 of 2
    with pytest.raises(ValueError, match="employer scope needs employer"):
        solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota])


def test_unreachable_min_share_is_diagnosed_with_the_best_share() -> None:
    # Opening 0 has 4 places, two locked to men; one eligible woman can join: best 1/3.
    pairs = [(0, 0), (1, 0), (2, 0), (3, 1)]
    graph = make_graph(4, [4, 1], pairs, locked=[(0, 0), (1, 0)])
    gender = women_and_men(graph, [2, 3])
    quotas = [Quota("gender", "f", "opening", min_share=0.5)]
    with pytest.raises(UnreachableQuotaError) as caught:
        solve_with_quotas(graph, groups={"gender": gender}, quotas=quotas)
    assert isinstance(caught.value, InfeasibleError)
    (diagnosis,) = caught.value.diagnoses
    assert (diagnosis.index, diagnosis.unit, diagnosis.bound) == (0, 0, "min_share")
    assert diagnosis.best_share == pytest.approx(1 / 3)
    assert (diagnosis.reached_in_group, diagnosis.reached_total) == (1, 3)
    assert (diagnosis.locked, diagnosis.locked_in_group) == (2, 0)
    assert (diagnosis.eligible, diagnosis.free_places) == (1, 2)
    assert "too few eligible candidates with gender=f: 1 for 2 free place(s)" in diagnosis.reason
    assert "quota 0 (gender=f: at least 50% of placements per opening)" in str(caught.value)
    # Re-run with the quota relaxed to what is reachable: it holds exactly.
    relaxed = relax(quotas, caught.value.diagnoses)
    assert relaxed[0].min_share == pytest.approx(1 / 3)
    result = solve_with_quotas(graph, groups={"gender": gender}, quotas=relaxed)
    assert graph.cand[result.solution.edges].tolist() == [0, 1, 2, 3]


def test_unreachable_max_share_for_lack_of_capacity() -> None:
    # Both places of opening 0 locked to women; men could join but there is no place left.
    pairs = [(0, 0), (1, 0), (2, 0)]
    graph = make_graph(3, [2], pairs, locked=[(0, 0), (1, 0)])
    gender = women_and_men(graph, [0, 1])
    quotas = [Quota("gender", "f", "programme", max_share=0.6)]
    with pytest.raises(UnreachableQuotaError) as caught:
        solve_with_quotas(graph, groups={"gender": gender}, quotas=quotas)
    (diagnosis,) = caught.value.diagnoses
    assert diagnosis.unit is None
    assert diagnosis.bound == "max_share"
    assert diagnosis.best_share == 1.0
    assert diagnosis.reason.startswith("capacity: 0 free place(s)")
    assert relax(quotas, caught.value.diagnoses)[0].max_share == 1.0


def test_candidates_competing_for_places_limit_the_best_share() -> None:
    # Two women eligible only for opening 1 (one place), opening 0 has 3 places, 1 locked man.
    pairs = [(0, 0), (1, 1), (2, 1), (1, 0)]
    graph = make_graph(3, [3, 1], pairs, locked=[(0, 0)])
    gender = women_and_men(graph, [1, 2])
    quota = Quota("gender", "f", "programme", min_share=0.7)
    with pytest.raises(UnreachableQuotaError) as caught:
        solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota])
    (diagnosis,) = caught.value.diagnoses
    assert (diagnosis.reached_in_group, diagnosis.reached_total) == (2, 3)
    assert diagnosis.best_share == pytest.approx(2 / 3)


def test_quota_validation() -> None:
    graph = make_graph(1, [1], [(0, 0)])
    gender = women_and_men(graph, [0])

    def check(quota: Quota, field: str, match: str) -> None:
        with pytest.raises(InvalidRecordError, match=match) as caught:
            solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota])
        assert (caught.value.record, caught.value.field) == ("policy", field)

    check(Quota("gender", "f"), "quotas.0", "give min_share or max_share")
    check(Quota("gender", "f", min_share=0.5, max_share=0.4), "quotas.0.min_share", "above")
    check(Quota("gender", "f", min_share=1.5), "quotas.0.min_share", r"in \[0, 1\]")
    check(Quota("gender", "f", max_share=float("nan")), "quotas.0.max_share", r"in \[0, 1\]")
    check(Quota("age", "f", min_share=0.1), "quotas.0.group", "gender, origin")  # type: ignore[arg-type]
    check(Quota("gender", " ", min_share=0.1), "quotas.0.value", "non-empty")
    check(Quota("gender", "f", "city", min_share=0.1), "quotas.0.scope", "programme")  # type: ignore[arg-type]
    assert str(Quota("origin", "TN", "employer", min_share=0.2, max_share=0.5)) == (
        "origin=TN: at least 20% and at most 50% of placements per employer"
    )
    with pytest.raises(ValueError, match="no group column 'origin'"):
        solve_with_quotas(graph, groups={}, quotas=[Quota("origin", "TN", min_share=0.2)])


def full_milp_total(instance: Instance) -> float:
    """The same model written out directly over every edge, solved in one HiGHS call."""
    graph, n = instance.graph, instance.graph.n_edges
    edge, ones = np.arange(n), np.ones(n)
    blocks = [
        sp.csr_array((ones, (graph.cand, edge)), shape=(graph.n_candidates, n)),
        sp.csr_array((ones, (graph.opening, edge)), shape=(graph.n_openings, n)),
    ]
    upper = [np.ones(graph.n_candidates), graph.capacity.astype(np.float64)]
    lower = [np.full(graph.n_candidates + graph.n_openings, -np.inf)]
    for quota in instance.quotas:
        unit = quota_units(graph, quota, employer=instance.employer)
        women = instance.gender.members(quota.value)[graph.cand]
        for share, is_min in ((quota.min_share, True), (quota.max_share, False)):
            if share is None:
                continue
            coef = women.astype(np.float64) - share  # share of placements, in floats
            blocks.append(sp.csr_array((coef, (unit, edge)), shape=(int(unit.max()) + 1, n)))
            rows = int(unit.max()) + 1
            lower.append(np.full(rows, -1e-9 if is_min else -np.inf))
            upper.append(np.full(rows, np.inf if is_min else 1e-9))
    result = milp(
        -graph.score,
        integrality=ones,
        bounds=Bounds(graph.locked.astype(np.float64), ones),
        constraints=LinearConstraint(
            sp.csr_array(sp.vstack(blocks)), np.concatenate(lower), np.concatenate(upper)
        ),
        options={"mip_rel_gap": 0.0},
    )
    assert result.status == 0
    return float(-result.fun)


@pytest.mark.parametrize("seed", range(4))
def test_column_generation_equals_one_full_milp(seed: int) -> None:
    # Ten edges per candidate: most of them start outside the working set and must be priced.
    rng = np.random.default_rng(seed)
    n_cand, n_open = 60, 12
    pairs = sorted(
        {(c, int(o)) for c in range(n_cand) for o in rng.choice(n_open, 10, replace=False)}
    )
    graph = make_graph(
        n_cand, rng.integers(0, 5, n_open).tolist(), pairs, score=rng.random(len(pairs)).tolist()
    )
    codes = (rng.random(n_cand) < 0.3).astype(np.int64)
    instance = Instance(
        graph=graph,
        gender=GroupColumn(codes=codes, labels=("m", "f")),
        employer=np.arange(n_open, dtype=np.int64) // 4,
        quotas=(
            Quota("gender", "f", "programme", min_share=0.4),
            Quota("gender", "f", "employer", min_share=0.3, max_share=0.6),
        ),
    )
    result = solve(instance)
    assert result.optimal
    assert result.solution.total == pytest.approx(full_milp_total(instance), abs=1e-6)
    assert all(meets(instance, result.solution.edges, q) for q in instance.quotas)
    assert result.price_of_fairness > 0.0


def test_time_limit_also_bounds_the_lp_relaxation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The LP phase gets the time left and an LP stopped by it ends the solve with a clear
    error (before, only the MILP calls were bounded and a 100k x 10k LP ran unbounded)."""
    import types

    import matching.solvers._quota_milp as quota_milp

    seen: list[dict[str, float]] = []

    def stopped(*_: object, options: dict[str, float], **__: object) -> object:
        seen.append(options)
        return types.SimpleNamespace(status=1, message="Time limit reached")

    monkeypatch.setattr(quota_milp, "linprog", stopped)
    pairs = [(c, 0) for c in range(10)]
    graph = make_graph(10, [6], pairs, score=[10.0 - c for c in range(10)])
    gender = women_and_men(graph, [7, 8, 9])
    quota = Quota("gender", "f", "programme", min_share=0.3)
    with pytest.raises(QuotaTimeLimitError, match="LP relaxation did not finish"):
        solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota], time_limit=30.0)
    assert 1.0 <= seen[0]["time_limit"] <= 30.0
    seen.clear()
    with pytest.raises(QuotaTimeLimitError):
        solve_with_quotas(graph, groups={"gender": gender}, quotas=[quota], time_limit=None)
    assert seen == [{}]  # no limit asked: none passed

"""Matching modes at scale: stable (deferred acceptance) and quotas (exact MILP).

    .venv/bin/python -m benchmarks.bench_modes [N_CANDIDATES N_OPENINGS ...] [--quota-limit S]
                                               [--quotas-only] [--optimal-only]

Sizes come in pairs (default ``10000 1000``). For each size a random shortlist-like graph is
built (about 50 edges per candidate, openings drawn with a heavy-tailed popularity, capacities
0..19, ~35 % women, origins MA/TN/EG, 10 openings per employer) and the run prints:

* optimal: ``solve_optimal`` time (wall, CPU), checked against OR-Tools ``SimpleMinCostFlow`` on
  the same quantised scores (the reference, timed in the same run); ``--optimal-only`` stops here;
* stable: ``solve_stable`` time, blocking pairs of its result (must be 0) and of the optimal
  one, and the score given up against ``solve_optimal`` (the baseline, timed on the same graph);
* quotas: ``solve_with_quotas`` with >= 30 % women at programme and at employer scope, its
  time (HiGHS time limit ``--quota-limit``, default none), whether optimality was proven, the
  price of fairness and the shares reached (checked: they must meet the quotas, and the total
  can be neither above the unconstrained optimum nor below the total of a feasible rounding),
  against the ``solve_optimal`` baseline of the same run. ``--quotas-only`` skips the stable
  part (the baseline is still timed).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import numpy.typing as npt

from benchmarks.bench_solver import ortools_solve
from matching.solvers.blocking import count_blocking_pairs
from matching.solvers.graph import AssignmentGraph, Solution
from matching.solvers.optimal import quantise_scores, solve_optimal
from matching.solvers.quota_spec import GroupColumn, Quota
from matching.solvers.quotas import QuotaTimeLimitError, solve_with_quotas
from matching.solvers.stable import solve_stable


def make_graph(n_cand: int, n_open: int, *, k: int = 50, seed: int = 0) -> AssignmentGraph:
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, n_open) + 1.0
    draws = rng.choice(n_open, size=(n_cand, k + k // 5), p=popularity / popularity.sum())
    draws.sort(axis=1)
    fresh = np.ones(draws.shape, dtype=np.bool_)
    fresh[:, 1:] = draws[:, 1:] != draws[:, :-1]
    cand = np.repeat(np.arange(n_cand), draws.shape[1])[fresh.ravel()]
    return AssignmentGraph(
        n_candidates=n_cand,
        capacity=rng.integers(0, 20, n_open).astype(np.int64),
        cand=cand.astype(np.int32),
        opening=draws.ravel()[fresh.ravel()].astype(np.int32),
        score=rng.random(cand.size),
        locked=np.zeros(cand.size, dtype=np.bool_),
    )


def timed(label: str, start: float) -> float:
    took = time.perf_counter() - start
    print(f"  {label}: {took:.2f} s", flush=True)
    return took


def bench(
    n_cand: int,
    n_open: int,
    *,
    quota_limit: float | None,
    stable: bool = True,
    optimal_only: bool = False,
) -> None:
    print(f"== {n_cand} candidates x {n_open} openings", flush=True)
    t = time.perf_counter()
    graph = make_graph(n_cand, n_open)
    timed(f"graph ({graph.n_edges} edges)", t)
    rng = np.random.default_rng(1)
    # Preferences: score plus private noise, rounded so that ties occur.
    cand_prefs = np.round(-(graph.score + 0.3 * rng.random(graph.n_edges)) * 10)
    open_prefs = np.round(-(graph.score + 0.3 * rng.random(graph.n_edges)) * 10)

    t, cpu = time.perf_counter(), time.process_time()
    optimal = solve_optimal(graph)
    baseline = timed(
        f"baseline solve_optimal (total {optimal.total:.2f}, {optimal.edges.size} placed)", t
    )
    check_optimal(graph, optimal, cpu_s=time.process_time() - cpu)
    if optimal_only:
        return
    if stable:
        bench_stable(graph, optimal, cand_prefs, open_prefs)

    gender = GroupColumn(codes=(rng.random(n_cand) < 0.35).astype(np.int64), labels=("m", "f"))
    employer = np.arange(n_open, dtype=np.int64) // 10
    quotas = [
        Quota("gender", "f", "programme", min_share=0.3),
        Quota("gender", "f", "employer", min_share=0.3),
    ]
    t = time.perf_counter()
    try:
        result = solve_with_quotas(
            graph,
            groups={"gender": gender},
            quotas=quotas,
            employer=employer,
            time_limit=quota_limit,
            unconstrained=optimal,
        )
    except QuotaTimeLimitError as exc:  # out of reach at this size: say so, keep the run
        timed(f"solve_with_quotas stopped: {exc}", t)
        return
    took = timed("solve_with_quotas (30 % women, programme + employer)", t)
    print(
        f"  proven optimal {result.optimal} (gap {result.gap:.2e});"
        f" total {result.solution.total:.2f}"
        f" vs {result.unconstrained.total:.2f}: price of fairness {result.price_of_fairness:.4f}"
    )
    for share in result.shares:
        print(
            f"  {share.quota}: shares {share.lowest_share:.3f}..{share.highest_share:.3f},"
            f" placed {share.placements} (without quotas {share.placements_without}),"
            f" emptied units {share.emptied_units}"
        )
        assert share.lowest_share is None or share.lowest_share >= 0.3 - 1e-12
    assert result.solution.total <= optimal.total + 1e-9
    print(f"  quota solve / baseline solve_optimal: {took / baseline:.2f}x")


def check_optimal(graph: AssignmentGraph, optimal: Solution, *, cpu_s: float) -> None:
    """The optimal solve against OR-Tools min-cost flow on the same quantised scores."""
    build_s, ref_s, ref_edges = ortools_solve(graph)
    ref = f"{ref_s:.2f} s (+ {build_s:.2f} s arc build)"
    q = quantise_scores(graph.score)
    q_ours, q_ref = int(q[optimal.edges].sum()), int(q[ref_edges].sum())
    print(f"  (solve_optimal CPU {cpu_s:.2f} s) reference OR-Tools min-cost flow: {ref}")
    print(f"  quantised totals equal: {q_ours == q_ref} ({q_ours} vs {q_ref})", flush=True)
    assert q_ours == q_ref, (q_ours, q_ref)


def bench_stable(
    graph: AssignmentGraph,
    optimal: Solution,
    cand_prefs: npt.NDArray[np.float64],
    open_prefs: npt.NDArray[np.float64],
) -> None:
    t = time.perf_counter()
    stable = solve_stable(graph, candidate_prefs=cand_prefs, opening_prefs=open_prefs)
    timed(f"solve_stable (total {stable.total:.2f}, {stable.edges.size} placed)", t)
    t = time.perf_counter()
    blocking_stable, blocking_optimal = (
        count_blocking_pairs(graph, s, candidate_prefs=cand_prefs, opening_prefs=open_prefs)
        for s in (stable, optimal)
    )
    timed("count_blocking_pairs x2", t)
    assert blocking_stable == 0, blocking_stable
    print(f"  blocking pairs: stable {blocking_stable}, optimal {blocking_optimal}")
    print(f"  score given up by stable: {optimal.total - stable.total:.2f}")


def main(argv: list[str]) -> None:
    quota_limit = None
    stable = "--quotas-only" not in argv
    optimal_only = "--optimal-only" in argv
    argv = [a for a in argv if a not in ("--quotas-only", "--optimal-only")]
    if "--quota-limit" in argv:
        at = argv.index("--quota-limit")
        quota_limit = float(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    sizes = [int(a) for a in argv] or [10000, 1000]
    for n_cand, n_open in zip(sizes[::2], sizes[1::2], strict=True):
        bench(n_cand, n_open, quota_limit=quota_limit, stable=stable, optimal_only=optimal_only)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Optimal solver vs OR-Tools ``SimpleMinCostFlow`` on shortlist-like graphs.

Run: ``.venv/bin/python -m benchmarks.bench_solver --sizes 1k,10k,100k``

Sizes: ``1k`` = 1,000 candidates x 100 openings, ``10k`` = 10,000 x 1,000, ``100k`` =
100,000 x 10,000; every candidate has a shortlist of k (default 50) openings drawn by
popularity, capacities 1-5 (mean 3), scores in (0, 1) from candidate strength + opening appeal
+ noise. The reference (OR-Tools min-cost flow, same quantised integer scores, measured in the
same run) must reach the same quantised total; we print both float totals and their relative
difference. ``linear_sum_assignment`` on the dense slot-expanded matrix is a second reference
where it fits in memory (1k only). Peak RSS is the process's high-water mark so far.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from matching.solvers.graph import AssignmentGraph
from matching.solvers.optimal import quantise_scores, solve_optimal

SIZES = {"1k": (1_000, 100), "10k": (10_000, 1_000), "100k": (100_000, 10_000)}


def shortlist_graph(n_candidates: int, n_openings: int, *, k: int, seed: int) -> AssignmentGraph:
    """Each candidate links to up to k distinct openings drawn by (log-normal) popularity."""
    rng = np.random.default_rng(seed)
    popularity = rng.lognormal(0.0, 1.0, n_openings)
    capacity = rng.integers(1, 6, n_openings).astype(np.int64)
    k = min(k, n_openings)
    draws = max(2 * k, k + 30)
    cands: list[npt.NDArray[np.int64]] = []
    opens: list[npt.NDArray[np.int64]] = []
    chunk = 20_000
    for start in range(0, n_candidates, chunk):
        m = min(chunk, n_candidates - start)
        picks = rng.choice(n_openings, size=(m, draws), p=popularity / popularity.sum())
        picks.sort(axis=1)
        fresh = np.ones_like(picks, dtype=np.bool_)
        fresh[:, 1:] = picks[:, 1:] != picks[:, :-1]
        # keep the first k distinct openings of each row (in a random but fixed order)
        order = np.argsort(rng.random((m, draws)) + ~fresh, axis=1)[:, :k]
        chosen = np.take_along_axis(picks, order, axis=1)
        valid = np.take_along_axis(fresh, order, axis=1)
        row = np.repeat(np.arange(start, start + m), k).reshape(m, k)
        cands.append(row[valid])
        opens.append(chosen[valid])
    cand = np.concatenate(cands)
    opening = np.concatenate(opens)
    order = np.lexsort((opening, cand))
    cand, opening = cand[order], opening[order]
    strength = rng.normal(0.0, 1.0, n_candidates)
    appeal = rng.normal(0.0, 1.0, n_openings)
    z = 0.6 * strength[cand] + 0.3 * appeal[opening] + rng.normal(0.0, 1.0, cand.size)
    return AssignmentGraph(
        n_candidates=n_candidates,
        capacity=capacity,
        cand=cand.astype(np.int32),
        opening=opening.astype(np.int32),
        score=1.0 / (1.0 + np.exp(-z)),
        locked=np.zeros(cand.size, dtype=np.bool_),
    )


def ortools_solve(graph: AssignmentGraph) -> tuple[float, float, npt.NDArray[np.int64]]:
    """(arc build seconds, solve seconds, chosen edge indices) with SimpleMinCostFlow."""
    from ortools.graph.python import min_cost_flow

    start = time.perf_counter()
    q = quantise_scores(graph.score)
    keep = np.flatnonzero(q > 0)
    n_c, n_o = graph.n_candidates, graph.n_openings
    source, sink = n_c + n_o, n_c + n_o + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([graph.cand[keep], np.full(n_c, source), n_c + np.arange(n_o), [source]])
    heads = np.concatenate([n_c + graph.opening[keep], np.arange(n_c), np.full(n_o, sink), [sink]])
    caps = np.concatenate([np.ones(keep.size + n_c), graph.capacity, [n_c]])
    costs = np.concatenate([-q[keep], np.zeros(n_c + n_o + 1)])
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    supplies = np.zeros(n_c + n_o + 2, dtype=np.int64)
    supplies[source], supplies[sink] = n_c, -n_c
    flow.set_nodes_supplies(np.arange(n_c + n_o + 2), supplies)
    built = time.perf_counter()
    status = flow.solve()
    solved = time.perf_counter()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-Tools status {status}")
    used = np.asarray(flow.flows(np.arange(keep.size)), dtype=np.int64) > 0
    return built - start, solved - built, keep[used].astype(np.int64)


def dense_lsa_total(graph: AssignmentGraph) -> float:
    """Quantised optimum via linear_sum_assignment on the dense slot-expanded matrix."""
    q = quantise_scores(graph.score).astype(np.float64)
    slots = np.repeat(np.arange(graph.n_openings), graph.capacity)
    gain = np.zeros((graph.n_candidates, slots.size + graph.n_candidates))
    first_slot = np.concatenate([[0], np.cumsum(graph.capacity)[:-1]])
    for offset in range(int(graph.capacity.max(initial=0))):
        ok = offset < graph.capacity[graph.opening]
        gain[graph.cand[ok], first_slot[graph.opening[ok]] + offset] = np.maximum(q[ok], 0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return float(gain[rows, cols].sum())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(size: str, *, k: int, seed: int) -> None:
    n_c, n_o = SIZES[size]
    start = time.perf_counter()
    graph = shortlist_graph(n_c, n_o, k=k, seed=seed)
    generated = time.perf_counter() - start
    places = int(graph.capacity.sum())
    print(f"\n## {size}: {n_c} candidates x {n_o} openings, {places} places, {graph.n_edges} edges")
    print(f"generate           {generated:8.2f} s")

    start = time.perf_counter()
    ours = solve_optimal(graph)
    ours_s = time.perf_counter() - start
    print(f"optimal (ours)     {ours_s:8.2f} s   peak RSS {peak_rss_mb():8.0f} MB")

    build_s, ref_s, ref_edges = ortools_solve(graph)
    ref_total = float(np.sum(np.sort(graph.score[ref_edges])))
    print(f"OR-Tools solve     {ref_s:8.2f} s   (+ {build_s:.2f} s arc build)")
    print(f"ratio ours / OR-Tools solve: {ours_s / ref_s:.2f}x")

    q = quantise_scores(graph.score)
    q_ours, q_ref = int(q[ours.edges].sum()), int(q[ref_edges].sum())
    rel = abs(ours.total - ref_total) / max(abs(ref_total), 1e-300)
    print(f"total ours {ours.total:.9f}  OR-Tools {ref_total:.9f}  rel diff {rel:.2e}")
    print(f"quantised totals equal: {q_ours == q_ref} ({q_ours} vs {q_ref})")
    if q_ours != q_ref:
        raise SystemExit(f"{size}: quantised totals differ")
    if n_c <= 2_000:
        start = time.perf_counter()
        lsa = dense_lsa_total(graph)
        print(f"dense LSA          {time.perf_counter() - start:8.2f} s   total q {lsa:.0f}")
        if lsa != q_ours:
            raise SystemExit(f"{size}: dense linear_sum_assignment total differs")
    print(f"peak RSS so far    {peak_rss_mb():8.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k", help="comma list of " + ",".join(SIZES))
    parser.add_argument("--k", type=int, default=50, help="shortlist length per candidate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for size in args.sizes.split(","):
        run(size, k=args.k, seed=args.seed)


if __name__ == "__main__":
    main()

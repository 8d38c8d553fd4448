"""End-to-end round benchmark on synthetic programmes (``benchmarks.synth``).

    .venv/bin/python -m benchmarks.bench_round --sizes 1k,10k,100k

For each size: the programme is generated and written as JSON Lines (not timed), then a child
process runs the round the way the CLI does — load (taxonomy bundle + JSONL), validate,
index, score (skill matrices), shortlist (k = 50), solve (``Policy.mode`` "optimal"), explain
(every assignment and unassigned candidate), report (metrics, hashes) — and reports wall and
CPU time per stage and its peak RSS. In the same child, on the same graph, the reference
solver (OR-Tools ``SimpleMinCostFlow``; and scipy's dense ``linear_sum_assignment`` over one
column per place where that fits) is timed against ``solve_optimal`` again, and the optimal
totals are compared. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.synth import SIZES, generate, write_jsonl
from matching.solvers.graph import AssignmentGraph

#: Reference integer costs: scores × SCALE, rounded.
SCALE = 1e12
#: Dense linear_sum_assignment only when candidates × places stays below this many cells.
DENSE_CELLS = 30_000_000


def reference_min_cost_flow(graph: AssignmentGraph) -> tuple[npt.NDArray[np.int64], float]:
    """Max-score assignment by OR-Tools min-cost flow (locks pre-assigned); chosen edges."""
    from ortools.graph.python import min_cost_flow

    n_c, n_o = graph.n_candidates, graph.n_openings
    locked = np.flatnonzero(graph.locked)
    residual = graph.capacity - np.bincount(graph.opening[locked], minlength=n_o)
    free = np.ones(n_c, dtype=bool)
    free[graph.cand[locked]] = False
    edges = np.flatnonzero(~graph.locked & free[graph.cand])
    source, sink = n_c + n_o, n_c + n_o + 1
    cands = np.flatnonzero(free)
    mcf = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate(
        [np.full(len(cands), source), graph.cand[edges], n_c + np.arange(n_o), cands]
    )
    heads = np.concatenate(
        [cands, n_c + graph.opening[edges], np.full(n_o, sink), np.full(len(cands), sink)]
    )
    caps = np.concatenate([np.ones(len(cands)), np.ones(len(edges)), residual, np.ones(len(cands))])
    costs = np.concatenate(
        [
            np.zeros(len(cands)),
            -np.round(graph.score[edges] * SCALE),
            np.zeros(n_o),
            np.zeros(len(cands)),
        ]
    )
    arcs = mcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64),
        heads.astype(np.int64),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    mcf.set_node_supply(source, len(cands))
    mcf.set_node_supply(sink, -len(cands))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min cost flow status {status}")
    flows = mcf.flows(arcs[len(cands) : len(cands) + len(edges)])
    chosen = np.sort(np.concatenate([locked, edges[flows > 0]]))
    return chosen, float(graph.score[chosen].sum())


def reference_dense(graph: AssignmentGraph) -> tuple[npt.NDArray[np.int64], float] | None:
    """scipy linear_sum_assignment over one column per place (no locks), when it fits."""
    from scipy.optimize import linear_sum_assignment

    places = int(graph.capacity.sum())
    if graph.n_candidates * places > DENSE_CELLS or graph.locked.any() or not places:
        return None
    first_slot = np.concatenate([[0], np.cumsum(graph.capacity)])
    weight = np.zeros((graph.n_candidates, places))
    edge_of = np.full((graph.n_candidates, places), -1)
    for e in range(graph.n_edges):  # pragma: no branch - small sizes only
        o = graph.opening[e]
        cols = np.arange(first_slot[o], first_slot[o + 1])
        weight[graph.cand[e], cols] = graph.score[e]
        edge_of[graph.cand[e], cols] = e
    rows, cols = linear_sum_assignment(weight, maximize=True)
    chosen = edge_of[rows, cols]
    chosen = np.sort(chosen[chosen >= 0])
    return chosen, float(graph.score[chosen].sum())


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(folder: Path, taxonomy_path: str | None, shortlist: int) -> dict[str, object]:
    """Run one round as the CLI would, timing each stage; then the reference solvers."""
    from matching.features import Features
    from matching.io import read_candidates, read_openings
    from matching.records import Policy
    from matching.round import resolve_solver, run_round
    from matching.scoring import SkillModel
    from matching.shortlist import build_shortlist
    from skills_taxonomy.taxonomy import Taxonomy

    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock = [time.perf_counter(), time.process_time()]

    def done(stage: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        wall[stage] = now[0] - clock[0]
        cpu[stage] = now[1] - clock[1]
        clock[:] = now

    taxonomy = Taxonomy.load(taxonomy_path) if taxonomy_path else Taxonomy.load_bundled()
    candidates = read_candidates(folder / "candidates.jsonl")
    openings = read_openings(folder / "openings.jsonl")
    policy = Policy(shortlist=shortlist)
    gc.freeze()  # as the CLI does (api/cli/round.py)
    done("load")
    result = run_round(candidates, openings, policy, taxonomy=taxonomy, observer=done)
    peak = _rss_mb()
    m = result.metrics

    features = Features.build(candidates, openings)
    graph = build_shortlist(
        features, SkillModel.build(features, taxonomy, policy.weights), policy
    ).graph
    solve = resolve_solver("optimal")
    t = time.perf_counter()
    ours = solve(graph)
    ours_time = time.perf_counter() - t
    t = time.perf_counter()
    _, ref_total = reference_min_cost_flow(graph)
    ref_time = time.perf_counter() - t
    dense = None
    t = time.perf_counter()
    dense_result = reference_dense(graph)
    if dense_result is not None:
        dense = {"total": dense_result[1], "seconds": time.perf_counter() - t}
    return {
        "wall": wall,
        "cpu": cpu,
        "peak_rss_mb": peak,
        "edges": graph.n_edges,
        "places": m.places_total,
        "placed": m.candidates_placed,
        "filled": m.places_filled,
        "mean_score": m.mean_score,
        "essential_coverage": m.essential_coverage,
        "unassigned_reasons": _count(u.reason for u in result.unassigned),
        "solver": result.manifest.solver,
        "objective": result.manifest.objective,
        "solve_again_seconds": ours_time,
        "solve_again_total": ours.total,
        "reference_seconds": ref_time,
        "reference_total": ref_total,
        "dense": dense,
    }


def _count(items: object) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:  # type: ignore[attr-defined]
        out[item] = out.get(item, 0) + 1
    return dict(sorted(out.items()))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k", help=f"comma-separated of {', '.join(SIZES)}")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shortlist", type=int, default=50)
    parser.add_argument("--taxonomy", help="taxonomy bundle (default: the bundled ESCO copy)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.taxonomy, args.shortlist)))
        return
    from skills_taxonomy.taxonomy import Taxonomy

    taxonomy = Taxonomy.load(args.taxonomy) if args.taxonomy else Taxonomy.load_bundled()
    rows: list[dict[str, Any]] = []
    for size in args.sizes.split(","):
        n_c, n_o = SIZES[size]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            cands, opens = generate(taxonomy, n_candidates=n_c, n_openings=n_o, seed=args.seed)
            write_jsonl(folder / "candidates.jsonl", cands)
            write_jsonl(folder / "openings.jsonl", opens)
            del cands, opens
            command = [sys.executable, "-m", "benchmarks.bench_round", "--child", str(folder)]
            command += ["--shortlist", str(args.shortlist)]
            if args.taxonomy:
                command += ["--taxonomy", args.taxonomy]
            out = subprocess.run(
                command, check=True, capture_output=True, text=True, env=os.environ
            )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["size"] = size
        rows.append(r)
        print(json.dumps(r), file=sys.stderr)
    _print_table(rows)


def _line(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _print_table(rows: list[dict[str, Any]]) -> None:
    stages = ("load", "validate", "index", "score", "shortlist", "solve", "explain", "report")
    print(_line(["size", *stages, "total wall (CPU)", "peak RSS"]))
    print(_line(["---", *["---:"] * (len(stages) + 2)]))
    for r in rows:
        wall, cpu = r["wall"], r["cpu"]
        total = f"{sum(wall.values()):.1f} s ({sum(cpu.values()):.1f} s)"
        cells = [f"{wall[s]:.2f} ({cpu[s]:.2f})" for s in stages]
        print(_line([r["size"], *cells, total, f"{r['peak_rss_mb']:.0f} MB"]))
    print()
    head = ["size", "edges", "places", "placed", "filled", "mean score", "essential covered"]
    head += ["solve_optimal", "OR-Tools MCF", "same total", "dense LSA"]
    print(_line(head))
    print(_line(["---", *["---:"] * 6, "---:", "---:", "---", "---:"]))
    for r in rows:
        ours, ref = float(r["solve_again_total"]), float(r["reference_total"])
        same = abs(ours - ref) <= 1e-9 * max(abs(ref), 1.0)
        dense = r["dense"]
        dense_cell = "—" if not dense else f"{dense['seconds']:.2f} s ({dense['total']:.6f})"
        print(
            _line(
                [
                    r["size"],
                    r["edges"],
                    r["places"],
                    r["placed"],
                    r["filled"],
                    f"{float(r['mean_score']):.4f}",
                    f"{float(r['essential_coverage']):.3f}",
                    f"{float(r['solve_again_seconds']):.2f} s",
                    f"{float(r['reference_seconds']):.2f} s",
                    "yes" if same else f"NO ({ours!r} vs {ref!r})",
                    dense_cell,
                ]
            )
        )


if __name__ == "__main__":
    main()

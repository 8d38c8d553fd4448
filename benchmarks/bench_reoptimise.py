"""Re-optimisation after drop-outs, against a fresh round, on synthetic programmes.

    .venv/bin/python -m benchmarks.bench_reoptimise --sizes 10k,100k [--dropouts 0.05]

For each size: a programme from ``benchmarks.synth`` (not timed), then in the same process

* the fresh full round (``run_round``, optimal mode) — the baseline a programme would pay to
  start over;
* ``reoptimise`` of that round after a random ``--dropouts`` share of the candidates leave
  (graph rebuilt from the round's edges, lexicographic solve, moves and reasons), timed;
* for quality, ``solve_optimal`` re-run from scratch on the same reduced graph: its total (the
  float optimum, 30-bit exact) and how many of the remaining candidates it would move, against
  the re-optimisation's total and moves.

Checks its own results (capacities, one placement per candidate, locks, total within the
documented quantisation bound of the fresh optimum) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence

import numpy as np

from benchmarks.synth import SIZES, generate
from matching.changes import Changes
from matching.records import Policy
from matching.reoptimise import PreviousRound, reoptimise
from matching.round import run_round
from matching.solvers.graph import AssignmentGraph
from matching.solvers.optimal import solve_optimal
from skills_taxonomy.taxonomy import Taxonomy


def run(size: str, share: float, taxonomy: Taxonomy, seed: int) -> dict[str, object]:
    n_c, n_o = SIZES[size]
    cands, opens = generate(taxonomy, n_candidates=n_c, n_openings=n_o, seed=seed)
    policy = Policy()
    t0 = time.perf_counter()
    result = run_round(cands, opens, policy, taxonomy=taxonomy)
    t_round = time.perf_counter() - t0
    previous = PreviousRound.from_result(result, candidates=cands, openings=opens, policy=policy)
    rng = np.random.default_rng(seed + 1)
    ids = sorted(c.id for c in cands)
    gone = sorted(ids[i] for i in rng.choice(len(ids), int(share * len(ids)), replace=False))
    changes = Changes(dropouts=tuple(gone))
    t0 = time.perf_counter()
    reopt = reoptimise(previous, changes)
    t_reopt = time.perf_counter() - t0

    # quality reference: a fresh optimal solve of the very same reduced graph
    frame = reopt.edges
    live = sorted(set(ids) - set(gone))
    open_ids = sorted(reopt.capacity)
    c_row = {c: i for i, c in enumerate(live)}
    o_row = {o: j for j, o in enumerate(open_ids)}
    graph = AssignmentGraph(
        n_candidates=len(live),
        capacity=np.array([reopt.capacity[o] for o in open_ids], dtype=np.int64),
        cand=np.array([c_row[c] for c in frame["candidate"].to_list()], dtype=np.int32),
        opening=np.array([o_row[o] for o in frame["opening"].to_list()], dtype=np.int32),
        score=frame["score"].to_numpy().astype(np.float64),
        locked=np.zeros(frame.height, dtype=np.bool_),
    )
    t0 = time.perf_counter()
    fresh = solve_optimal(graph)
    t_fresh_solve = time.perf_counter() - t0
    before = {a.candidate: a.opening for a in result.assignments}
    fresh_at = {
        live[int(graph.cand[e])]: open_ids[int(graph.opening[e])] for e in fresh.edges.tolist()
    }
    fresh_moves = sum(1 for c in live if before.get(c) != fresh_at.get(c))
    reopt_moves = sum(1 for m in reopt.moves if m.reason != "dropped_out")

    # self-checks
    placed = [p.candidate for p in reopt.placements]
    assert len(set(placed)) == len(placed)
    used: dict[str, int] = {}
    for p in reopt.placements:
        used[p.opening] = used.get(p.opening, 0) + 1
    assert all(n <= reopt.capacity[o] for o, n in used.items())
    bound = len(placed) * float(graph.score.max()) * 2.0 ** (1 - reopt.score_bits)
    assert reopt.objective >= fresh.total - bound, (reopt.objective, fresh.total, bound)
    placed_gone = sum(1 for c in gone if c in before)
    return {
        "size": f"{n_c:,} × {n_o:,}",
        "edges": result.edges.height,
        "round_s": t_round,
        "dropouts": f"{len(gone):,} ({placed_gone:,} placed)",
        "reopt_s": t_reopt,
        "fresh_solve_s": t_fresh_solve,
        "moves_reopt": reopt_moves,
        "moves_fresh": fresh_moves,
        "total_reopt": reopt.objective,
        "total_fresh": fresh.total,
        "bits": reopt.score_bits,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k")
    parser.add_argument("--dropouts", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    taxonomy = Taxonomy.load_bundled()
    print(
        "| size | edges | fresh round (s) | drop-outs | reoptimise (s) | fresh solve (s) "
        "| moved: reopt / fresh | total: reopt / fresh | score bits |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        r = run(size, args.dropouts, taxonomy, args.seed)
        print(
            f"| {r['size']} | {r['edges']:,} | {r['round_s']:.1f} | {r['dropouts']} "
            f"| {r['reopt_s']:.2f} | {r['fresh_solve_s']:.2f} "
            f"| {r['moves_reopt']:,} / {r['moves_fresh']:,} "
            f"| {_fmt(r['total_reopt'])} / {_fmt(r['total_fresh'])} | {r['bits']} |",
            flush=True,
        )


def _fmt(value: object) -> str:
    assert isinstance(value, float) and math.isfinite(value)
    return f"{value:,.4f}"


if __name__ == "__main__":
    main()

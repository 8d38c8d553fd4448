"""A round over the demo programme, as the service runs it, against plain ``run_round``.

    .venv/bin/python -m benchmarks.bench_demo_round [--candidates 2000] [--vacancies 300]

Seeds the demo programme (``api.demo_data``; profiles normalised on the way in) into a
temporary SQLite file, then times, on the same stored programme:

* baseline: ``load_records`` (rows → records) and plain ``run_round`` in this process;
* service: a round through ``RoundRunner`` (queue → worker process → result stored), cold
  (the worker process starts and loads the taxonomy) and warm (a second round, same worker).

Checks its own results: the stored rounds' output hash equals the baseline's.
Target: a round over the demo programme in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from api import round_store
from api.db import create_db_engine, open_session
from api.demo import queue_and_wait
from api.demo_data import seed_demo
from api.esco_normaliser import EscoProfileNormaliser, bundled_normalizer
from api.migrations import upgrade
from api.models.rounds import Round
from api.round_runner import RoundRunner
from matching import Policy, run_round


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--vacancies", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    started = time.perf_counter()
    normalizer = bundled_normalizer()
    print(f"normaliser built in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        upgrade(engine)
        started = time.perf_counter()
        seed_demo(
            engine,
            normaliser=EscoProfileNormaliser(normalizer),
            taxonomy=normalizer.taxonomy,
            seed=args.seed,
            candidates=args.candidates,
            vacancies=args.vacancies,
        )
        seeded = time.perf_counter() - started

        # Baseline: the same records, plain run_round in this process.
        with open_session(engine, mode="write") as session:
            scratch = Round(policy={"seed": args.seed})
            session.add(scratch)
            session.commit()
            session.refresh(scratch)
        assert scratch.id is not None
        round_store.mark_running(engine, scratch.id)
        started = time.perf_counter()
        candidates, openings = round_store.load_records(engine, scratch.id)
        loaded = time.perf_counter() - started
        round_store.mark_stopped(engine, scratch.id)
        started = time.perf_counter()
        baseline = run_round(
            candidates, openings, Policy(seed=args.seed), taxonomy=normalizer.taxonomy
        )
        plain = time.perf_counter() - started

        runner = RoundRunner(engine)
        try:
            timings = []
            rounds = []
            for _ in range(2):
                started = time.perf_counter()
                rounds.append(queue_and_wait(runner, engine, seed=args.seed))
                timings.append(time.perf_counter() - started)
        finally:
            runner.close()
        engine.dispose()

    for done in rounds:
        assert done.status == "done", done.error
        assert done.output_hash == baseline.manifest.output_hash, "service result differs"
    m = baseline.metrics
    print(
        f"\n| candidates | openings | seed+normalise (s) | rows→records (s) | run_round (s) "
        f"| service cold (s) | service warm (s) | placed | places filled | mean score |\n"
        f"|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {len(candidates)} | {len(openings)} | {seeded:.1f} | {loaded:.2f} | {plain:.2f} "
        f"| {timings[0]:.2f} | {timings[1]:.2f} | {m.candidates_placed} "
        f"| {m.places_filled}/{m.places_total} | {m.mean_score:.3f} |"
    )
    print("\nservice output hash == baseline output hash:", baseline.manifest.output_hash)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

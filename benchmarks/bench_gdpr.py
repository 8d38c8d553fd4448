"""GDPR operations on a stored demo programme: access export, erasure, retention.

    .venv/bin/python -m benchmarks.bench_gdpr [--candidates 2000] [--rounds 5] [--samples 20]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Stores the demo programme (``api.demo_data``: profiles normalised by the bundled ESCO
normaliser, so the concept rows and the curation texts are real) on a fresh SQLite file — and
on a fresh PostgreSQL schema with ``--postgres`` —, then ``--rounds`` finished rounds, each
proposing every candidate (half assigned with an explanation, half unassigned with a reason,
five reserves per opening), the first published with one placement per assignment. Then:

* export: ``api.gdpr.export`` of ``--samples`` random candidates (one read transaction each);
* erase: ``api.gdpr.erase`` of ``--samples`` other candidates (one write transaction each, as
  ``DELETE /candidates/{id}?erase=true``);
* retention: 10 % of the candidates aged past the period (created before the rounds);
  ``retention_due``, then their erasure in batches (as ``mobility-match retention run``).

Reports milliseconds (median, p95, max) and checks every result: an exported candidate's
records hold its rows; an erased candidate is gone, its placements kept without it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, insert, update
from sqlmodel import SQLModel, col, select

from api import gdpr
from api.cli.retention import BATCH
from api.db import create_db_engine, open_session
from api.demo_data import seed_demo
from api.esco_normaliser import EscoProfileNormaliser, bundled_normalizer
from api.migrations import upgrade
from api.models.candidates import Candidate, CandidatePublic
from api.models.openings import Opening
from api.models.placements import Placement
from api.models.rounds import Round, RoundAssignment
from api.routes._concepts import public_profiles
from benchmarks.bench_api import _postgres_schema

SECRET = b"bench-secret"


def _fabricate_rounds(engine: Engine, rounds: int, rng: random.Random) -> None:
    with open_session(engine, mode="read") as session:
        candidates = list(session.exec(select(Candidate.id)).all())
        openings = list(session.exec(select(Opening.id, Opening.employer_id)).all())
    publications = SQLModel.metadata.tables.get("round_publications")
    for number in range(rounds):
        rng.shuffle(candidates)
        half = len(candidates) // 2
        assigned, unassigned = candidates[:half], candidates[half:]
        reserves = {
            str(o): [{"candidate": str(c), "score": 0.5} for c in rng.sample(unassigned, 5)]
            for o, _ in openings
        }
        with open_session(engine, mode="write") as session:
            found = Round(
                status="done",
                progress=1.0,
                finished_at=datetime.now(UTC),
                result={
                    "metrics": {"candidates": len(candidates)},
                    "manifest": {"output_hash": uuid.uuid4().hex},
                    "unassigned": [
                        {
                            "candidate": str(c),
                            "reason": "no_eligible_opening",
                            "details": {"nearest_opening": "1", "binding_rules": ["language"]},
                        }
                        for c in unassigned
                    ],
                    "reserves": reserves,
                },
            )
            session.add(found)
            session.flush()
            assert found.id is not None
            pairs = [(c, *rng.choice(openings)) for c in assigned]
            explanation = {
                "terms": [["essential", 0.5], ["optional", 0.1]],
                "matched_essential": [{"uri": "http://x/s1", "label": "weld", "level": 1.0}],
                "rules": [{"rule": "language", "passed": True, "detail": "B1 >= B1"}],
            }
            session.connection().execute(
                insert(RoundAssignment),
                [
                    {
                        "round_id": found.id,
                        "candidate_id": c,
                        "opening_id": o,
                        "employer_id": e,
                        "score": 0.6,
                        "explanation": explanation,
                    }
                    for c, o, e in pairs
                ],
            )
            if number == 0:
                session.connection().execute(
                    insert(Placement),
                    [
                        {
                            "round_id": found.id,
                            "candidate_id": c,
                            "opening_id": o,
                            "employer_id": e,
                            "score": 0.6,
                            "stage": "shortlisted",
                            "created_at": datetime.now(UTC),
                            "updated_at": datetime.now(UTC),
                        }
                        for c, o, e in pairs
                    ],
                )
                if publications is not None:
                    session.connection().execute(
                        insert(publications),
                        {
                            "round_id": found.id,
                            "published_at": datetime.now(UTC),
                            "pairs": len(pairs),
                            "threshold": 0.8,
                        },
                    )
            session.commit()


def _timed(label: str, runs: list[Callable[[], None]]) -> list[float]:
    times = []
    for run in runs:
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(
        f"  {label:<28} n={len(times):<4} median {statistics.median(times):8.1f} ms   "
        f"p95 {p95:8.1f} ms   max {times[-1]:8.1f} ms"
    )
    return times


def _export(engine: Engine, candidate_id: int) -> None:
    with open_session(engine, mode="read") as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate is not None
        [public] = public_profiles(session, [candidate], kind="candidate", model=CandidatePublic)
        answer = gdpr.export(session, public, secret=SECRET)
    assert answer.candidate.id == candidate_id
    assert len(answer.matches) + len(answer.unassigned) >= 1, "every round proposed everyone"


def _erase(engine: Engine, candidate_id: int) -> None:
    with open_session(engine, mode="write") as session:
        gdpr.erase(session, candidate_id, secret=SECRET, trigger="request", actor_user_id=None)
        session.commit()
    with open_session(engine, mode="read") as session:
        assert session.get(Candidate, candidate_id) is None
        left = session.exec(select(Placement).where(col(Placement.candidate_id) == candidate_id))
        assert left.first() is None


def run(url: str, *, candidates: int, rounds: int, samples: int, seed: int) -> None:
    rng = random.Random(seed)
    engine = create_db_engine(url)
    try:
        upgrade(engine)
        normalizer = bundled_normalizer()
        started = time.perf_counter()
        seed_demo(
            engine,
            normaliser=EscoProfileNormaliser(normalizer),
            taxonomy=normalizer.taxonomy,
            candidates=candidates,
        )
        _fabricate_rounds(engine, rounds, rng)
        print(
            f"  stored {candidates} candidates, {rounds} rounds in "
            f"{time.perf_counter() - started:.1f} s"
        )
        with open_session(engine, mode="read") as session:
            ids = [i for i in session.exec(select(Candidate.id)).all() if i is not None]
        rng.shuffle(ids)
        exported, erased = ids[:samples], ids[samples : 2 * samples]
        _timed("export", [partial(_export, engine, c) for c in exported])
        _timed("erase", [partial(_erase, engine, c) for c in erased])

        aged = ids[2 * samples : 2 * samples + max(1, candidates // 10)]
        old = datetime.now(UTC) - timedelta(days=800)
        with open_session(engine, mode="write") as session:
            for start in range(0, len(aged), 500):
                chunk = aged[start : start + 500]
                session.execute(
                    update(Candidate)
                    .where(col(Candidate.id).in_(chunk))
                    .values(created_at=old - timedelta(days=100), updated_at=old)
                )
                session.execute(
                    update(Placement)
                    .where(col(Placement.candidate_id).in_(chunk))
                    .values(updated_at=old, stage="returned")
                )
            # Rounds are older than the period too (else they would keep everyone), and
            # younger than the candidates (so erasure rewrites their results).
            session.execute(update(Round).values(created_at=old - timedelta(days=50)))
            session.commit()
        found: list[int] = []

        def due() -> None:
            with open_session(engine, mode="read") as session:
                found.extend(gdpr.retention_due(session, retention_days=730))

        _timed("retention_due", [due])
        assert sorted(found) == sorted(aged), (len(found), len(aged))
        started = time.perf_counter()
        for start in range(0, len(found), BATCH):  # as the command does
            with open_session(engine, mode="write") as session:
                gdpr.erase_many(
                    session,
                    found[start : start + BATCH],
                    secret=SECRET,
                    trigger="retention",
                    actor_user_id=None,
                )
                session.commit()
        total = time.perf_counter() - started
        print(
            f"  retention run: erased {len(found)} in {total:.1f} s "
            f"({total / len(found) * 1000:.1f} ms each)"
        )
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres", help="also run on a fresh schema of this database")
    args = parser.parse_args(argv)
    options = {
        "candidates": args.candidates,
        "rounds": args.rounds,
        "samples": args.samples,
        "seed": args.seed,
    }
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(f"sqlite:///{Path(folder) / 'bench.db'}", **options)
    if args.postgres:
        url, drop = _postgres_schema(args.postgres)
        try:
            print("PostgreSQL")
            run(url, **options)
        finally:
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

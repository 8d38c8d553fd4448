"""``make demo``: a whole demo programme, served over HTTP.

1. normalises a few candidate lines as agencies write them (a short showcase);
2. seeds a fresh SQLite file (``./demo.sqlite``) with the demo programme (``api.demo_data``:
   3 agencies, 40 employers, 2,000 free-text candidates, 300 vacancies, 10 trainings), every
   profile normalised on the way in;
3. runs a matching round in a worker process, as the API does;
4. prints the URLs and the demo users' tokens, and serves the API and the staff pages
   (``/ui``) until Ctrl-C.

``--no-serve`` (or ``MOBILITY_MATCH_DEMO_NO_SERVE=1``) stops after step 4's printing.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sqlalchemy import Engine

from api.db import create_db_engine, open_session
from api.demo_data import seed_demo
from api.esco_normaliser import EscoProfileNormaliser, bundled_normalizer
from api.migrations import upgrade
from api.models.rounds import FINAL_STATUSES, Round
from api.round_runner import RoundRunner
from api.round_store import queue_round
from skills_taxonomy.normalizer import Normalizer

__all__ = ["main", "queue_and_wait"]

SHOWCASE: tuple[tuple[str, str], ...] = (
    ("occupation", "Technicien spécialisé en électromécanique"),
    ("occupation", "soudeur TIG H/F"),
    ("occupation", "لحام"),
    ("occupation", "aide-soignante"),
    ("occupation", "développeur full stack"),
    ("skill", "soudure TIG"),
    ("skill", "maintenance industrielle"),
)


def _showcase(normalizer: Normalizer) -> None:
    for kind in ("occupation", "skill"):
        texts = [text for k, text in SHOWCASE if k == kind]
        for result in normalizer.normalize(texts, kind=kind, top_k=1):
            best = result.matches[0] if result.matches else None
            found = f"{best.label} ({best.score:.2f}, {best.method})" if best else "-"
            state = "" if result.resolved else "  [unresolved: curation queue]"
            print(f"  [{kind}] {result.text!r} -> {found}{state}")


def queue_and_wait(runner: RoundRunner, engine: Engine, *, seed: int) -> Round:
    """Queue a round with the runner the API uses and wait for it to finish."""
    with open_session(engine, mode="write") as session:
        found = queue_round(session, policy={"seed": seed}, created_by=None)
        session.commit()
        session.refresh(found)
    assert found.id is not None
    runner.submit(found.id)
    while True:
        with open_session(engine, mode="read") as session:
            current = session.get(Round, found.id)
            assert current is not None
            if current.status in FINAL_STATUSES:
                return current
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.demo", description=__doc__)
    parser.add_argument("--db", default="demo.sqlite", help="SQLite file (recreated)")
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--vacancies", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-serve", action="store_true", help="seed, run, print; no server")
    args = parser.parse_args(argv)
    serve = not (args.no_serve or os.environ.get("MOBILITY_MATCH_DEMO_NO_SERVE") == "1")

    started = time.perf_counter()
    normalizer = bundled_normalizer()
    print(
        f"{normalizer.taxonomy.version}: ESCO index ready in {time.perf_counter() - started:.0f} s"
    )
    print("This service uses the ESCO classification of the European Commission.\n")
    _showcase(normalizer)

    db = Path(args.db)
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    engine = create_db_engine(url)
    runner = RoundRunner(engine)
    try:
        runner.warm_up()  # the worker loads the taxonomy while the programme is seeded
        upgrade(engine)
        started = time.perf_counter()
        tokens = seed_demo(
            engine,
            normaliser=EscoProfileNormaliser(normalizer),
            taxonomy=normalizer.taxonomy,
            seed=args.seed,
            candidates=args.candidates,
            vacancies=args.vacancies,
        )
        print(
            f"\nseeded {db}: {args.candidates} candidates, {args.vacancies} vacancies, "
            f"10 trainings in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        done = queue_and_wait(runner, engine, seed=args.seed)
        print(f"round {done.id}: {done.status} in {time.perf_counter() - started:.1f} s")
        if done.result is not None:
            m = done.result["metrics"]
            print(
                f"  placed {m['candidates_placed']}/{m['candidates']} candidates, "
                f"filled {m['places_filled']}/{m['places_total']} places, "
                f"output {done.output_hash}"
            )
            stability = m.get("stability") or {}
            if stability:
                print(
                    f"  blocking pairs {stability['blocking_pairs']}, score given up by a "
                    f"stable matching {stability['score_given_up']:.2f}"
                )
        elif done.error:
            print(f"  error: {done.error}")
    finally:
        runner.close()
        engine.dispose()

    base = f"http://{args.host}:{args.port}/api/v1"
    agency, agency_token = next(iter(tokens.agencies.items()))
    employer, employer_token = next(iter(tokens.employers.items()))
    pages = f"http://{args.host}:{args.port}/ui"
    print(f"\nstaff pages: {pages}  (sign in with the staff token; review round {done.id}, decide")
    print("  every pair, publish; employers see nothing of a round before it is published)")
    print(f"API: {base}   docs: {base}/docs")
    print(f"  programme staff : {tokens.staff}")
    print(f"  agency {agency}: {agency_token}")
    print(f"  employer {employer}: {employer_token}")
    print(f"  e.g. curl -H 'Authorization: Bearer {tokens.staff}' {base}/rounds/{done.id}")
    if not serve:
        return 0

    import uvicorn
    from pydantic import SecretStr

    from api.app import create_app
    from api.settings import Settings

    settings = Settings(database_url=url, secret_key=SecretStr(f"demo-{args.seed}"))
    print("\nserving; Ctrl-C to stop")
    # No access log, as with `mobility-match serve`: query strings may hold personal data.
    uvicorn.run(
        create_app(settings, normalizer=normalizer),
        host=args.host,
        port=args.port,
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

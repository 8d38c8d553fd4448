"""Server time of each staff page (``/ui``) over the demo programme, against the JSON API.

    .venv/bin/python -m benchmarks.bench_ui [--candidates 2000] [--vacancies 300] [--repeat 7]

Seeds the demo programme (``api.demo_data``) into a temporary SQLite file, runs a round through
``RoundRunner`` (as ``make demo``), decides every pair (``api.review.decide``: accept, a few
overrides and rejections) and publishes it, so that the dashboard's funnel, the reports and the
audit log hold real rows. Then, with the app in process (``TestClient``: no network between
client and server, so the time is the server's), times each page after one warm-up request:
median and worst of ``--repeat`` requests. Reference, same run: the JSON routes that read the
same data (review state, round report, programme report).

Checks its own results: every page answers 200 with the rows it should show.
Target: every page under 1 s on the server.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import col, func, select

from api import review
from api.app import create_app
from api.auth import authenticate, create_user
from api.db import create_db_engine, open_session
from api.demo import queue_and_wait
from api.demo_data import seed_demo
from api.esco_normaliser import EscoProfileNormaliser, bundled_normalizer
from api.migrations import upgrade
from api.models.placements import Placement
from api.models.rounds import RoundAssignment
from api.round_runner import RoundRunner
from api.settings import Settings
from skills_taxonomy.normalizer import Normalizer

TARGET_S = 1.0


def _decide_all(url: str, staff: str, round_id: int) -> tuple[int, int]:
    """Accept every pair but every 25th (rejected) and every 40th (overridden with an
    unassigned candidate); publish with a sign-off. Returns (pairs, published)."""
    engine = create_db_engine(url)
    try:
        with open_session(engine, mode="write") as session:
            actor = authenticate(session, staff)
            assert actor is not None
            pairs = session.exec(
                select(RoundAssignment.candidate_id, RoundAssignment.opening_id)
                .where(col(RoundAssignment.round_id) == round_id)
                .order_by(col(RoundAssignment.id))
            ).all()
            found = review.load_done_round(session, round_id)
            free = [
                int(u["candidate"])
                for u in (found.result or {}).get("unassigned", [])
                if str(u.get("candidate", "")).isdigit()
            ]
            for i, (candidate, opening) in enumerate(pairs):
                action = "accept"
                new: int | None = None
                if i % 40 == 39 and free:
                    action, new = "override", free.pop()
                elif i % 25 == 24:
                    action = "reject"
                review.decide(
                    session,
                    round_id=round_id,
                    opening_id=opening,
                    candidate_id=candidate,
                    action=action,  # type: ignore[arg-type]
                    reason_code="good_match" if action == "accept" else "other",
                    reason="benchmark decision",
                    actor=actor,
                    new_candidate_id=new,
                )
            result = review.publish(
                session, round_id=round_id, actor=actor, sign_off_reason="benchmark sign-off"
            )
            session.commit()
            return len(pairs), result.published
    finally:
        engine.dispose()


def _set_up(url: str, normalizer: Normalizer, args: argparse.Namespace) -> tuple[int, str]:
    """Seed the demo programme, run a round, decide and publish it: (round id, staff token)."""
    engine = create_db_engine(url)
    runner = RoundRunner(engine)
    started = time.perf_counter()
    try:
        upgrade(engine)
        tokens = seed_demo(
            engine,
            normaliser=EscoProfileNormaliser(normalizer),
            taxonomy=normalizer.taxonomy,
            seed=args.seed,
            candidates=args.candidates,
            vacancies=args.vacancies,
        )
        done = queue_and_wait(runner, engine, seed=args.seed)
        assert done.status == "done" and done.id is not None, done.error
    finally:
        runner.close()
        engine.dispose()
    pairs, published = _decide_all(url, tokens.staff, done.id)
    print(
        f"programme: {args.candidates} candidates, {args.vacancies} vacancies; round "
        f"{done.id}: {pairs} pairs decided, {published} published "
        f"(set-up {time.perf_counter() - started:.0f} s)"
    )
    return done.id, tokens.staff


def _reuse(url: str) -> tuple[int, str]:
    """The kept programme's published round, and a new staff token."""
    engine = create_db_engine(url)
    try:
        upgrade(engine)
        with open_session(engine, mode="write") as session:
            round_id = session.exec(select(func.max(Placement.round_id))).one()
            _user, staff = create_user(session, organisation="Programme", kind="programme")
    finally:
        engine.dispose()
    assert round_id is not None, "the kept programme has no published round"
    print(f"programme reused from {url}; round {round_id}")
    return round_id, staff


def _time(client: TestClient, path: str, repeat: int, must: str) -> tuple[float, float, float, int]:
    """Median and worst wall time, median CPU time of this process (server and client: the
    client's share is small), and the answer's size."""
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    assert must in first.text, (path, must)
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        assert response.status_code == 200
    return statistics.median(walls), max(walls), statistics.median(cpus), len(first.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--vacancies", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--db", type=Path, help="keep the seeded programme in this SQLite file; reuse it if present"
    )
    args = parser.parse_args()

    normalizer = bundled_normalizer()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.sqlite"
        url = f"sqlite:///{path}"
        if path.exists():
            round_id, staff = _reuse(url)
        else:
            round_id, staff = _set_up(url, normalizer, args)

        settings = Settings(
            database_url=url,
            secret_key=SecretStr("bench-ui"),
            secret_file=Path(tmp) / "unused.secret",
        )
        with TestClient(create_app(settings, normalizer=normalizer)) as client:
            page = client.get("/ui/signin")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf is not None
            signed = client.post(
                "/ui/signin",
                data={"token": staff, "csrf_token": csrf.group(1)},
                follow_redirects=False,
            )
            assert signed.status_code == 303
            engine = client.app.state.engine  # type: ignore[attr-defined]
            with open_session(engine, mode="read") as session:
                pair = session.exec(
                    select(RoundAssignment.opening_id, RoundAssignment.candidate_id)
                    .where(col(RoundAssignment.round_id) == round_id)
                    .order_by(col(RoundAssignment.score).desc())
                ).first()
                placements = session.exec(select(func.count()).select_from(Placement)).one()
            assert pair is not None and placements > 0
            o, c = pair
            pages = [
                ("dashboard", "/ui/dashboard", "<svg"),
                ("rounds", "/ui/rounds", f"/ui/rounds/{round_id}"),
                ("round review", f"/ui/rounds/{round_id}", 'class="pair-link"'),
                ("round + pair panel", f"/ui/rounds/{round_id}?pair={o}-{c}", "Score breakdown"),
                ("pair panel (fragment)", f"/ui/rounds/{round_id}/pairs/{o}/{c}", "<svg"),
                ("curation queue", "/ui/curation", "curation-item"),
                ("reports: programme", "/ui/reports", "<svg"),
                ("reports: round", f"/ui/reports?round={round_id}", "<svg"),
                ("reports: CSV", f"/ui/reports.csv?round={round_id}", "section,"),
                ("audit log", "/ui/audit", "decision.accept"),
                ("dashboard (fr)", "/ui/dashboard?lang=fr", "Tableau de bord"),
            ]
            bearer = {"Authorization": f"Bearer {staff}"}
            references = [
                ("API review state", f"/api/v1/rounds/{round_id}/decisions", '"pairs"'),
                ("API round report", f"/api/v1/reports/rounds/{round_id}", '"funnel"'),
                ("API programme report", "/api/v1/reports/programme", '"funnel"'),
            ]
            rows = page_rows = [(n, *_time(client, p, args.repeat, m)) for n, p, m in pages]
            client.cookies.clear()
            client.headers.update(bearer)
            rows = rows + [(n, *_time(client, p, args.repeat, m)) for n, p, m in references]

    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("\n| page | median (ms) | worst (ms) | CPU median (ms) | size (kB) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, median, worst, cpu, size in rows:
        print(
            f"| {name} | {median * 1000:.0f} | {worst * 1000:.0f} | {cpu * 1000:.0f} "
            f"| {size / 1024:.0f} |"
        )
    slowest = max(worst for _n, _m, worst, _c, _s in page_rows)
    verdict = "met" if slowest < TARGET_S else "MISSED"
    print(
        f"\nslowest page (worst of {args.repeat}): {slowest * 1000:.0f} ms — target < 1 s {verdict}"
    )
    return 0 if slowest < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())

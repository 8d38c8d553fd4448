"""Bulk import: an N-row candidate CSV imported, normalised and committed, end to end through
``POST /api/v1/candidates/import`` (in-process ASGI client), on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.bench_import [--rows 10000] [--distinct 400]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]

Per backend, on a fresh database (a SQLite file; a fresh PostgreSQL schema):

* **import**: the CSV → parse, validate, normalise every text field (ESCO skills and
  occupations, EQF, CEFR), one transaction of bulk inserts (candidates, concept rows);
* **baseline**: the same rows through the same route with a normaliser that returns nothing —
  parse, validate and insert the candidates only.

The ESCO index is built once before the runs (its build time is printed apart). Rows are
synthetic: names and birth dates vary per row; skill, job and diploma texts are drawn from a
small hand-written vocabulary with random combinations and typos, ``--distinct`` of them per
field at most (imports repeat texts a lot; each distinct text is normalised once).
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.auth import create_user
from api.db import open_session
from api.esco_normaliser import bundled_normalizer
from api.normalisation import NormalisedItem, ProfileKind
from api.settings import Settings

SKILLS = [
    "soudure TIG",
    "soudure MIG",
    "lecture de plans",
    "maçonnerie",
    "carrelage",
    "plomberie",
    "conduite de chariot élévateur",
    "électricité bâtiment",
    "peinture en bâtiment",
    "service en salle",
    "cuisine",
    "pâtisserie",
    "soins infirmiers",
    "aide à la personne",
    "welding",
    "forklift driving",
    "customer service",
    "patient care",
    "bricklaying",
    "تلحيم",
    "كهرباء",
    "تمريض",
    "Schweißen",
    "Elektroinstallation",
]
JOBS = [
    "soudeur",
    "maçon",
    "électricien",
    "plombier",
    "cuisinier",
    "serveur",
    "infirmier",
    "aide-soignant",
    "welder",
    "nurse",
    "cook",
    "electrician",
    "ممرض",
    "Koch",
]
DIPLOMAS = [
    "Technicien spécialisé",
    "BTS électrotechnique",
    "Bac",
    "Licence",
    "CAP cuisine",
    "Diplôme de qualification",
    "Bachelor of Nursing",
    "دبلوم فني",
]
LANGUAGES = ["arabe, français courant", "français B2, allemand A2", "anglais B1",
             "allemand B1 (Goethe)", "العربية، الفرنسية"]  # fmt: skip


def _typo(rng: random.Random, phrase: str) -> str:
    if len(phrase) < 5 or rng.random() < 0.7:
        return phrase
    i = rng.randrange(1, len(phrase) - 1)
    return phrase[:i] + phrase[i + 1] + phrase[i] + phrase[i + 2 :]


def make_csv(rows: int, *, distinct: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    skills = list({f"{_typo(rng, rng.choice(SKILLS))}" for _ in range(distinct)})
    lines = [
        {
            "full_name": f"Candidate {rng.randrange(10**9)} {i}",
            "birth_date": f"{rng.randrange(1970, 2005)}-{rng.randrange(1, 13):02d}-"
            f"{rng.randrange(1, 29):02d}",
            "country": rng.choice(["MA", "TN", "EG"]),
            "skills": "; ".join(rng.sample(skills, k=min(3, len(skills)))),
            "job_titles": _typo(rng, rng.choice(JOBS)),
            "diplomas": rng.choice(DIPLOMAS),
            "languages": rng.choice(LANGUAGES),
            "experience_years": str(rng.randrange(0, 20)),
            "destinations": "DE;BE",
        }
        for i in range(rows)
    ]
    buffer = io.BytesIO()
    pl.DataFrame(lines).write_csv(buffer)
    return buffer.getvalue()


class NullNormaliser:
    """The baseline: no concept rows at all."""

    def normalise_profiles(
        self, *, kind: ProfileKind, profiles: Sequence[Mapping[str, str]]
    ) -> Sequence[Sequence[NormalisedItem]]:
        return [[] for _ in profiles]


def _run(url: str, data: bytes, normalizer: Any, *, baseline: bool, rows: int) -> float:
    settings = Settings(database_url=url, secret_key=SecretStr("bench"), max_upload_bytes=2**30)
    app = create_app(settings, normalizer=normalizer)
    with TestClient(app) as client:
        if baseline:
            app.state.normaliser = NullNormaliser()
        with open_session(app.state.engine, mode="write") as session:
            token = create_user(session, organisation=f"Agency {uuid.uuid4().hex}", kind="agency")[
                1
            ]
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/candidates/import",
            content=data,
            headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"},
        )
        elapsed = time.perf_counter() - started
        assert answer.status_code == 201, answer.text[:500]
        assert answer.json()["created"] == rows
    return elapsed


def _postgres_schema(base: str) -> tuple[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=400)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    normalizer = bundled_normalizer()
    print(f"ESCO index built in {time.perf_counter() - started:.1f} s (once per process)")
    data = make_csv(args.rows, distinct=args.distinct)
    print(f"{args.rows} rows, {len(data) / 1e6:.1f} MB CSV")
    print(f"{'backend':<12}{'import (s)':>12}{'baseline (s)':>14}{'rows/s':>10}")
    backends: list[str] = ["sqlite"] + (["postgresql"] if args.postgres else [])
    for backend in backends:
        timings = []
        for baseline in (False, True):
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as tmp:
                    url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                    timings.append(_run(url, data, normalizer, baseline=baseline, rows=args.rows))
            else:
                url, drop = _postgres_schema(args.postgres)
                try:
                    timings.append(_run(url, data, normalizer, baseline=baseline, rows=args.rows))
                finally:
                    drop()
        full, base = timings
        print(f"{backend:<12}{full:>12.2f}{base:>14.2f}{args.rows / full:>10.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

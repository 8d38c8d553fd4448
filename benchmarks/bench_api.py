"""Latency of single reads and writes through the real server, at N concurrent loopback clients.

    .venv/bin/python -m benchmarks.bench_api [--clients 20] [--requests 2000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--workers 1]

Starts ``mobility-match serve`` (uvicorn, one process) on a fresh SQLite file — and on a fresh
PostgreSQL schema when ``--postgres`` is given — creates an agency user, then runs, each with
``--clients`` concurrent keep-alive connections (``--workers`` server processes):

* baseline: ``GET /api/v1/health`` (no auth, one ``SELECT 1``) — the framework's floor;
* write: ``POST /api/v1/candidates`` (auth, insert, commit);
* read: ``GET /api/v1/candidates/{id}`` of random existing ids (auth, tenancy, concepts);
* update: ``PATCH /api/v1/candidates/{id}``;
* list: ``GET /api/v1/candidates?limit=50`` (a page with its total).

Reports p50/p95/p99/max latency (ms) and requests per second; every answer is checked (status
and, for reads, the id), and a run with any unexpected answer fails. The clients share the
machine with the server, so figures are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from api.auth import create_user
from api.db import create_db_engine, open_session


@dataclass(frozen=True)
class Figures:
    name: str
    count: int
    seconds: float
    latencies_ms: list[float]
    #: CPU time the server process spent, per request (less sensitive to other load).
    server_cpu_ms: float

    def row(self) -> str:
        q = statistics.quantiles(self.latencies_ms, n=100)
        return (
            f"| {self.name:<34} | {self.count:>5} | {q[49]:>6.1f} | {q[94]:>6.1f} | {q[98]:>6.1f} "
            f"| {max(self.latencies_ms):>6.1f} | {self.count / self.seconds:>5.0f} "
            f"| {self.server_cpu_ms:>6.2f} |"
        )


HEADER = (
    "| operation                          | count | p50 ms | p95 ms | p99 ms | max ms | req/s "
    "| server CPU ms/req |\n"
    "|------------------------------------|-------|--------|--------|--------|--------|-------"
    "|--------|"
)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (the workers) (Linux /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # itself, or its child
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


RequestFactory = Callable[[int], tuple[str, str, dict[str, object] | None]]


async def _run(
    base: str,
    server_pid: int,
    headers: dict[str, str],
    *,
    name: str,
    clients: int,
    total: int,
    make: RequestFactory,
    expect: int,
) -> Figures:
    latencies: list[float] = []
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            method, path, body = make(i)
            started = time.perf_counter()
            response = await client.request(method, path, json=body, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != expect:
                raise SystemExit(f"{name}: {method} {path} → {response.status_code}")

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        cpu = _cpu_seconds(server_pid)
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds(server_pid) - cpu
    return Figures(name, total, seconds, latencies, cpu / total * 1000)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(
    database_url: str, workdir: Path, *, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = os.environ | {"DATABASE_URL": database_url, "MOBILITY_MATCH_SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("BENCH_SERVER_LOG") else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def bench(
    database_url: str, *, label: str, clients: int, requests: int, workers: int
) -> list[Figures]:
    with tempfile.TemporaryDirectory() as workdir:
        server, base = _serve(database_url, Path(workdir), workers=workers)
        try:
            engine = create_db_engine(database_url)
            with open_session(engine, mode="write") as session:
                _user, token = create_user(session, organisation="Bench agency", kind="agency")
            engine.dispose()
            headers = {"Authorization": f"Bearer {token}"}
            rng = random.Random(7)
            body: dict[str, object] = {
                "full_name": "Candidate Benchmark",
                "birth_date": "1995-06-01",
                "email": "c@example.org",
                "country": "MA",
                "skills": "soudure TIG, lecture de plans, maintenance industrielle",
                "job_titles": "soudeur",
                "diplomas": "Technicien spécialisé",
                "languages": "arabe, français courant, allemand A2",
                "destinations": ["DE", "BE"],
            }

            def run(name: str, make: RequestFactory, expect: int, count: int) -> Figures:
                figures = asyncio.run(
                    _run(
                        base,
                        server.pid,
                        headers,
                        name=f"{label}: {name}",
                        clients=clients,
                        total=count,
                        make=make,
                        expect=expect,
                    )
                )
                print(figures.row(), flush=True)
                return figures

            results = [
                run(
                    "GET /health (baseline)",
                    lambda i: ("GET", "/api/v1/health", None),
                    200,
                    requests,
                ),
                run(
                    "POST /candidates",
                    lambda i: ("POST", "/api/v1/candidates", body),
                    201,
                    requests,
                ),
            ]
            ids = range(1, requests + 1)
            results += [
                run(
                    "GET /candidates/{id}",
                    lambda i: ("GET", f"/api/v1/candidates/{rng.choice(ids)}", None),
                    200,
                    requests,
                ),
                run(
                    "PATCH /candidates/{id}",
                    lambda i: (
                        "PATCH",
                        f"/api/v1/candidates/{rng.choice(ids)}",
                        {"experience_years": i % 40},
                    ),
                    200,
                    requests,
                ),
                run(
                    "GET /candidates?limit=50",
                    lambda i: ("GET", "/api/v1/candidates?limit=50", None),
                    200,
                    requests // 4,
                ),
            ]
            return results
        finally:
            server.terminate()
            server.wait(timeout=30)


def _postgres_schema(base_url: str) -> tuple[str, Callable[[], None]]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--postgres", default=None, metavar="URL")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    print(
        f"{args.clients} concurrent clients, {args.requests} requests per operation, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start\n"
    )
    print(HEADER)
    with tempfile.TemporaryDirectory() as tmp:
        bench(
            f"sqlite:///{tmp}/bench.db",
            label="SQLite",
            clients=args.clients,
            requests=args.requests,
            workers=args.workers,
        )
    if args.postgres:
        url, drop = _postgres_schema(args.postgres)
        try:
            bench(
                url,
                label="PostgreSQL",
                clients=args.clients,
                requests=args.requests,
                workers=args.workers,
            )
        finally:
            drop()
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()

"""Latency of single reads and writes through the real server, at N concurrent loopback clients.

    .venv/bin/python -m benchmarks.bench_api [--clients 20] [--requests 2000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--workers 1]
        [--client raw|httpx] [--skip-sqlite] [--pool 2000]

Starts ``mobility-match serve`` (uvicorn) on a fresh SQLite file — and on a fresh PostgreSQL
schema when ``--postgres`` is given — creates an agency user, then runs, each with ``--clients``
concurrent closed-loop keep-alive connections (``--workers`` server processes):

* baseline: ``GET /api/v1/health`` (no auth, one ``SELECT 1``) — the framework's floor;
* write: ``POST /api/v1/candidates`` (auth, normalise, insert, commit) of bodies drawn in turn
  from ``--pool`` distinct candidate profiles of the demo generator (``benchmarks.demo_pool``,
  seed 7: free text in French, Arabic and English as agencies write it), each with its own
  ``external_ref``. Their skill and occupation texts repeat as a programme's do, so the
  normaliser's memo is hit as often as it would be (the share of repeated texts is printed;
  it is the memo's hit rate — with ``--workers`` > 1 each process has its own memo and hits
  less). Timed twice: *first pass*, the server just started (empty memo), bodies 0 … N−1;
  *in service*, the next N bodies, new profiles whose texts the first pass may have seen,
  as a server that has been taking a programme's profiles for a while sees them;
* read: ``GET /api/v1/candidates/{id}`` of random existing ids (auth, tenancy, concepts);
* update: ``PATCH /api/v1/candidates/{id}``;
* list: ``GET /api/v1/candidates?limit=50`` (a page with its total).

The clients: ``raw`` (default) writes HTTP/1.1 requests by hand on plain asyncio streams, a few
µs of CPU per request, so that the load generator takes little of the cores the server runs
on; ``httpx`` uses one ``httpx.AsyncClient`` (≈ 1 ms of CPU per request). Every connection
is opened and warmed up by one health check before the clock starts.

Reports p50/p95/p99/max latency (ms), requests per second, and CPU per request of the server
processes (from /proc: steadier than latency on a shared machine) and of the load generator.
Every answer is checked (status; for reads, the id in the body), and a run with any unexpected
answer fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NoReturn

import httpx
from sqlalchemy import create_engine, text

from api.auth import create_user
from api.db import create_db_engine, open_session
from api.routes._concepts import texts_of
from benchmarks.demo_pool import candidate_pool, text_repeats
from skills_taxonomy.taxonomy import Taxonomy

HEALTH = "/api/v1/health"
#: Seed of the demo generator's candidate pool the POSTs draw from.
POOL_SEED = 7

Client = Literal["raw", "httpx"]
RequestFactory = Callable[[int], tuple[str, str, dict[str, object] | None]]


@dataclass(frozen=True)
class Figures:
    name: str
    count: int
    seconds: float
    latencies_ms: list[float]
    #: CPU time the server processes spent, per request (less sensitive to other load).
    server_cpu_ms: float
    #: CPU time the load generator spent, per request.
    client_cpu_ms: float

    def row(self) -> str:
        q = statistics.quantiles(self.latencies_ms, n=100)
        return (
            f"| {self.name:<44} | {self.count:>5} | {q[49]:>6.1f} | {q[94]:>6.1f} | {q[98]:>6.1f} "
            f"| {max(self.latencies_ms):>6.1f} | {self.count / self.seconds:>5.0f} "
            f"| {self.server_cpu_ms:>6.2f} | {self.client_cpu_ms:>6.2f} |"
        )


HEADER = (
    "| operation                                    | count | p50 ms | p95 ms | p99 ms | max ms "
    "| req/s | server CPU ms/req | client CPU ms/req |\n"
    "|----------------------------------------------|-------|--------|--------|--------|--------"
    "|-------|--------|--------|"
)


@dataclass(frozen=True)
class Load:
    """One operation: ``total`` requests over ``clients`` closed-loop connections."""

    name: str
    clients: int
    total: int
    make: RequestFactory
    expect: int
    #: Checks a successful answer's body, given the request's index; False fails the run.
    check: Callable[[int, bytes], bool] | None = None

    def verify(self, i: int, method: str, path: str, status: int, body: bytes) -> None:
        if status != self.expect or (self.check is not None and not self.check(i, body)):
            _fail(self, method, path, status)


def _fail(load: Load, method: str, path: str, status: int) -> NoReturn:
    raise SystemExit(f"{load.name}: {method} {path} → {status} (unexpected answer)")


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


class _Clock:
    """Wall clock and CPU (server's and ours) between ``start`` and ``stop``."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def start(self) -> None:
        self.server_cpu = _cpu_seconds(self.server_pid)
        self.own_cpu = time.process_time()
        self.wall = time.perf_counter()

    def stop(self, load: Load, latencies: list[float]) -> Figures:
        seconds = time.perf_counter() - self.wall
        own = time.process_time() - self.own_cpu
        server = _cpu_seconds(self.server_pid) - self.server_cpu
        per_request = 1000 / load.total
        return Figures(
            load.name, load.total, seconds, latencies, server * per_request, own * per_request
        )


# --- the raw client: hand-written HTTP/1.1 on asyncio streams -------------------------------


class _Connection:
    """One kept-alive HTTP/1.1 connection (answers with ``Content-Length`` only)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def request(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line:
            raise SystemExit("the server closed a kept-alive connection")
        status = int(status_line.split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" or (name == b"connection" and b"close" in value):
                raise SystemExit(f"unexpected answer header {line!r}")
        return status, await self.reader.readexactly(length)


async def _raw_clients(
    base: str, headers: dict[str, str], load: Load, clock: _Clock
) -> list[float]:
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    fixed = f"Host: {host}:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    def encode(method: str, path: str, body: dict[str, object] | None) -> bytes:
        payload = json.dumps(body).encode() if body is not None else b""
        return (
            f"{method} {path} HTTP/1.1\r\n{fixed}Content-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload

    async def connect() -> _Connection:
        connection = _Connection(*await asyncio.open_connection(host, port))
        status, _ = await connection.request(encode("GET", HEALTH, None))  # warm-up
        if status != 200:
            raise SystemExit(f"warm-up: GET {HEALTH} → {status}")
        return connection

    latencies: list[float] = []
    counter = iter(range(load.total))

    async def worker(connection: _Connection) -> None:
        for i in counter:
            method, path, body = load.make(i)
            request = encode(method, path, body)
            started = time.perf_counter()
            status, answer = await connection.request(request)
            latencies.append((time.perf_counter() - started) * 1000)
            load.verify(i, method, path, status, answer)

    connections = await asyncio.gather(*(connect() for _ in range(load.clients)))
    try:
        clock.start()
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        for connection in connections:
            connection.writer.close()
    return latencies


# --- the httpx client -----------------------------------------------------------------------


async def _httpx_clients(
    base: str, headers: dict[str, str], load: Load, clock: _Clock
) -> list[float]:
    latencies: list[float] = []
    counter = iter(range(load.total))
    limits = httpx.Limits(max_connections=load.clients, max_keepalive_connections=load.clients)

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            method, path, body = load.make(i)
            started = time.perf_counter()
            response = await client.request(method, path, json=body, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            load.verify(i, method, path, response.status_code, response.content)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        warm = await asyncio.gather(*(client.get(HEALTH) for _ in range(load.clients)))
        if any(r.status_code != 200 for r in warm):
            raise SystemExit(f"warm-up: GET {HEALTH} failed")
        clock.start()
        await asyncio.gather(*(worker(client) for _ in range(load.clients)))
    return latencies


_CLIENTS: dict[
    Client, Callable[[str, dict[str, str], Load, _Clock], Coroutine[None, None, list[float]]]
] = {
    "raw": _raw_clients,
    "httpx": _httpx_clients,
}


def _run(
    base: str, server_pid: int, headers: dict[str, str], load: Load, *, client: Client
) -> Figures:
    clock = _Clock(server_pid)
    latencies = asyncio.run(_CLIENTS[client](base, headers, load, clock))
    return clock.stop(load, latencies)


# --- the server and the operations ----------------------------------------------------------


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
            if httpx.get(f"{base}{HEALTH}", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def _has_id(expected: Callable[[int], int]) -> Callable[[int, bytes], bool]:
    """Check: the answer is the candidate the ``i``-th request asked for."""

    def check(i: int, body: bytes) -> bool:
        return bool(json.loads(body)["id"] == expected(i))

    return check


def bench(
    database_url: str,
    *,
    label: str,
    clients: int,
    requests: int,
    workers: int,
    client: Client,
    bodies: list[dict[str, object]],
) -> list[Figures]:
    """The five operations against a fresh server; POST ``i`` sends ``bodies[i % len]``."""
    with tempfile.TemporaryDirectory() as workdir:
        server, base = _serve(database_url, Path(workdir), workers=workers)
        try:
            engine = create_db_engine(database_url)
            with open_session(engine, mode="write") as session:
                _user, token = create_user(session, organisation="Bench agency", kind="agency")
            engine.dispose()
            headers = {"Authorization": f"Bearer {token}"}
            rng = random.Random(7)

            def post_body(i: int) -> dict[str, object]:
                return {**bodies[i % len(bodies)], "external_ref": f"bench-{i:06d}"}

            # The ids read and changed, drawn up-front so that each answer can be checked.
            ids = range(1, requests + 1)
            read_ids = [rng.choice(ids) for _ in range(requests)]
            patch_ids = [rng.choice(ids) for _ in range(requests)]

            def run(load: Load) -> Figures:
                figures = _run(base, server.pid, headers, load, client=client)
                print(figures.row(), flush=True)
                return figures

            def load(
                name: str,
                make: RequestFactory,
                expect: int,
                count: int,
                check: Callable[[int, bytes], bool] | None = None,
            ) -> Load:
                return Load(f"{label}: {name}", clients, count, make, expect, check)

            return [
                run(load("GET /health (baseline)", lambda i: ("GET", HEALTH, None), 200, requests)),
                run(
                    load(
                        "POST /candidates (first pass)",
                        lambda i: ("POST", "/api/v1/candidates", post_body(i)),
                        201,
                        requests,
                    )
                ),
                run(
                    load(
                        "POST /candidates (in service)",
                        lambda i: ("POST", "/api/v1/candidates", post_body(requests + i)),
                        201,
                        requests,
                    )
                ),
                run(
                    load(
                        "GET /candidates/{id}",
                        lambda i: ("GET", f"/api/v1/candidates/{read_ids[i]}", None),
                        200,
                        requests,
                        _has_id(read_ids.__getitem__),
                    )
                ),
                run(
                    load(
                        "PATCH /candidates/{id}",
                        lambda i: (
                            "PATCH",
                            f"/api/v1/candidates/{patch_ids[i]}",
                            {"experience_years": i % 40},
                        ),
                        200,
                        requests,
                        _has_id(patch_ids.__getitem__),
                    )
                ),
                run(
                    load(
                        "GET /candidates?limit=50",
                        lambda i: ("GET", "/api/v1/candidates?limit=50", None),
                        200,
                        requests // 4,
                    )
                ),
            ]
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
    parser.add_argument(
        "--client",
        choices=["raw", "httpx"],
        default="raw",
        help="load generator: hand-written HTTP/1.1 on asyncio streams, or httpx",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--pool", type=int, default=2000, help="distinct demo candidate profiles the POSTs cycle"
    )
    args = parser.parse_args()
    client: Client = args.client
    pool = candidate_pool(Taxonomy.load_bundled(), size=args.pool, seed=POOL_SEED)
    bodies = [body.model_dump(mode="json", exclude_none=True) for body in pool]
    posted = [texts_of(pool[i % len(pool)], kind="candidate") for i in range(2 * args.requests)]
    first, in_service = posted[: args.requests], posted[args.requests :]
    print(
        f"{args.clients} concurrent clients ({client}), {args.requests} requests per operation, "
        f"{args.workers} server process(es), {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at start\n"
        f"POST bodies: {len(pool)} demo candidate profiles (seed {POOL_SEED}) in turn; "
        f"first pass: {text_repeats(first).describe()}\n"
        f"in service: {text_repeats(in_service, after=first).describe()}\n"
    )
    print(HEADER)

    def run(url: str, label: str) -> None:
        bench(
            url,
            label=label,
            clients=args.clients,
            requests=args.requests,
            workers=args.workers,
            client=client,
            bodies=bodies,
        )

    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite")
    if args.postgres:
        url, drop = _postgres_schema(args.postgres)
        try:
            run(url, "PostgreSQL")
        finally:
            drop()
    print(f"\nload average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()

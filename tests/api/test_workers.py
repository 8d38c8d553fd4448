"""`mobility-match serve --workers N`: the processes share kept-alive connections evenly, every
accepted socket has Nagle's algorithm off, and no worker outlives its supervisor."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from api.workers import BalancedServer

HEALTH = b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\n\r\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ask(connection: socket.socket) -> bytes:
    """One request on a kept-alive connection; the answer's head and body."""
    connection.sendall(HEALTH)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
        chunk = connection.recv(65536)
        assert chunk, "the server closed the connection"
        answer += chunk
    return answer


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return sorted(found)


def _established_sockets(port: int) -> set[str]:
    """Inodes of the server-side sockets of established connections to ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # ESTABLISHED
            inodes.add(fields[9])
    return inodes


def _sockets_of(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "MOBILITY_MATCH_SECRET_KEY": "test",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    drain: threading.Thread | None = None
    try:
        assert process.stderr is not None
        started = 0
        for line in process.stderr:  # each worker logs it once its app is ready
            started += "Application startup complete" in line
            if started == 2:
                break
        assert started == 2, "the server did not start"
        drain = threading.Thread(target=process.stderr.read, daemon=True)  # the rest of the log
        drain.start()
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert time.monotonic() < deadline, "the server does not answer"
            time.sleep(0.2)
        time.sleep(0.5)  # both acceptor threads wait in accept()
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)
        if drain is not None:
            drain.join(timeout=60)
        assert process.stderr is not None
        process.stderr.close()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            return b" 200 " in _ask(connection).split(b"\r\n", 1)[0]
    except OSError:
        return False


def _workers(supervisor_pid: int) -> list[int]:
    """The worker processes (the supervisor's other child is multiprocessing's tracker)."""
    return [pid for pid in _children(supervisor_pid) if _serves(pid)]


def _serves(pid: int) -> bool:
    try:
        return "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False


def test_kept_alive_connections_are_shared_evenly_and_workers_end_with_the_supervisor(
    supervisor: tuple[subprocess.Popen[str], int],
) -> None:
    process, port = supervisor
    workers = _workers(process.pid)
    assert len(workers) == 2
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
    try:
        for connection in connections:
            assert b" 200 " in _ask(connection).split(b"\r\n", 1)[0]
        established = _established_sockets(port)
        per_worker = [len(_sockets_of(pid) & established) for pid in workers]
        assert sum(per_worker) == 10
        assert all(4 <= count <= 6 for count in per_worker), per_worker
        for connection in connections:  # still served, each by its own worker
            assert b" 200 " in _ask(connection).split(b"\r\n", 1)[0]
    finally:
        for connection in connections:
            connection.close()
    process.send_signal(signal.SIGKILL)  # no clean shutdown: the workers must notice
    process.wait(timeout=10)
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() and _alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its supervisor"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    headers = [(b"content-length", b"2")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"{}"})


def test_accepted_sockets_have_nagle_off() -> None:
    """Kept-alive answers would otherwise wait for the client's delayed ACK (uvicorn #3149).
    uvloop sets it by itself; asyncio's loop only for sockets whose ``proto`` says TCP."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)  # proto 0, as uvicorn's
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = BalancedServer(
        uvicorn.Config(_hello, loop="asyncio", lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname()) as connection:
            assert _ask(connection).endswith(b"{}")
            (protocol,) = server.server_state.connections
            transport: asyncio.Transport = protocol.transport
            accepted = transport.get_extra_info("socket")
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()

"""The HTTP API under load: 50 concurrent clients asking state and who over a ledger of N events
(``AUDITLOG_BENCH_API_ROWS``, 1,000,000), every read put on the record before it is answered.

The server is ``auditlog serve`` in its own process; the clients are one asyncio process (plain
HTTP/1.1 on 50 kept-alive connections) on the same 2 cores, so the figure includes the load
generator's share (small: httpx, used before, cost ~2 ms of CPU a request). Beside it,
in the same run: the same questions through the CLI (a process per question, as an investigator
types them) and through the use case in process (the floor the HTTP layer adds to). Targets:
p99 < 50 ms and >= 1,000 requests/s. Figures only. After the load, the reads recorded at once by
both workers must still make one chain (``reads_chain_unbroken``).

Before the load, the snapshots the projector would keep (every SNAPSHOT_EVERY events) are
backfilled. Measured (1,000,000 events, two runs): 967 and 936 requests/s, p50 50-52 ms, p99
92-95 ms; before state and who ran on the event loop, 512/s, p99 177 ms; before reads were
recorded a batch at a time, 230/s, p99 387 ms (README, "Speed").
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime

import httpx
import psycopg
import uvloop

from auditlog.domain.access import Role, Scope
from auditlog.domain.account import SNAPSHOT_EVERY
from auditlog.investigate.usecases.access import create_token
from auditlog.investigate.usecases.history import StateQuery, WhoQuery, state_at, who
from auditlog.investigate.usecases.snapshots import SnapshotQuery, write_snapshots
from auditlog.ledger.gateway import Ledger
from bench._server import bench_database
from bench._timing import p50_p99
from bench.feed import fill
from bench.report import report

ROWS = int(os.environ.get("AUDITLOG_BENCH_API_ROWS", "1000000"))
CLIENTS = 50
SECONDS = float(os.environ.get("AUDITLOG_BENCH_API_SECONDS", "20"))
WORKERS = int(os.environ.get("AUDITLOG_BENCH_API_WORKERS", "2"))  # one per core
AT = "2017-11-02T12:00:00Z"
ACCOUNTS = 20_000  # bench.feed's


def _account(rng: random.Random) -> str:
    return f"acct-{rng.randrange(ACCOUNTS):05d}"


def _question(rng: random.Random) -> str:
    account = _account(rng)
    if rng.random() < 0.5:
        return f"/api/v1/accounts/{account}/state?at={AT}"
    return f"/api/v1/events?target={account}&limit=20"


async def _client(port: int, token: str, stop_at: float, seed: int, times: list[float], errors: list[int]) -> None:
    """One client on one kept-alive connection, a question at a time. Plain HTTP/1.1 over asyncio
    streams: httpx cost ~2 ms of CPU a request, on the same two cores as the server it measures."""
    rng = random.Random(seed)
    headers = f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nX-Audit-Case: BENCH-1\r\n\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(f"GET {_question(rng)} HTTP/1.1\r\n{headers}".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            times.append((time.perf_counter() - started) * 1000)
            status = int(head.split(b" ", 2)[1])
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def _load(port: int, token: str, seconds: float) -> tuple[list[float], list[int], float]:
    times: list[float] = []
    errors: list[int] = []
    began = time.perf_counter()
    stop_at = began + seconds
    await asyncio.gather(*(_client(port, token, stop_at, n, times, errors) for n in range(CLIENTS)))
    return times, errors, time.perf_counter() - began


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "auditlog.investigate.cli", "serve", "--port", str(port),
                             "--workers", str(WORKERS)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/openapi.json", timeout=2)
            return proc, port
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("auditlog serve did not start") from None
            time.sleep(0.2)


def _cli_ms(env: dict[str, str], rng: random.Random, count: int = 8) -> float:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", "state", _account(rng), "--at", AT,
                        "--json", "--case", "BENCH-1"], env=env, check=True, capture_output=True)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _in_process_ms(ledger: Ledger, rng: random.Random, count: int = 400) -> tuple[float, float]:
    at = datetime.fromisoformat(AT)
    timings = []
    for n in range(count):
        started = time.perf_counter()
        if n % 2:
            state_at(ledger, StateQuery(_account(rng), at))
        else:
            who(ledger, WhoQuery(target=_account(rng), limit=20))
        timings.append((time.perf_counter() - started) * 1000)
    return p50_p99(timings)


def main() -> None:
    with bench_database("api") as url:
        env = {**os.environ, "DATABASE_URL": url}
        with Ledger(url) as ledger:
            started = time.perf_counter()
            fill(ledger, ROWS, random.Random(ROWS))
            fill_s = time.perf_counter() - started
            started = time.perf_counter()  # the snapshots the projector keeps, every SNAPSHOT_EVERY events
            snapshots = write_snapshots(ledger, SnapshotQuery()).total
            snapshot_s = time.perf_counter() - started
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE events")
            token = create_token(ledger, Role.INVESTIGATOR, Scope(), 3600, "bench").token
            rng = random.Random(1)
            in50, in99 = _in_process_ms(ledger, rng)
            cli = _cli_ms(env, rng)
        server, port = _serve(env)
        try:
            # on uvloop, as the server: the clients share its 2 cores, so the less they cost the better
            uvloop.run(_load(port, token, 2.0))  # connections, caches and the pool warm
            times, errors, seconds = uvloop.run(_load(port, token, SECONDS))
        finally:
            server.terminate()
            server.wait(30)
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM reads WHERE case_id = 'BENCH-1'").fetchone()
            # recorded at once by every worker, the reads must still make one chain: a link each
            chain = conn.execute("SELECT count(*) = count(DISTINCT chain_pos) AND count(*) = max(chain_pos) "
                                 "FROM reads").fetchone()
        p50, p99 = p50_p99(times)
    report("api", {
        "ledger_rows": ROWS, "fill_seconds": round(fill_s, 1), "snapshots": snapshots,
        "snapshot_every": SNAPSHOT_EVERY, "snapshot_seconds": round(snapshot_s, 1),
        "clients": CLIENTS, "server_workers": WORKERS,
        "requests": len(times), "errors": len(errors), "reads_recorded": int(row[0]) if row else 0,
        "reads_chain_unbroken": bool(chain and chain[0]),
        "requests_per_s": round(len(times) / seconds), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
        "use_case_in_process_p50_ms (floor)": round(in50, 2), "use_case_in_process_p99_ms (floor)": round(in99, 2),
        "cli_state_ms (a process per question)": round(cli, 1),
        "target_p99_ms": 50.0, "target_requests_per_s": 1000,
    })


if __name__ == "__main__":
    main()

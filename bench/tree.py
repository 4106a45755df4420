"""The transparency log: building the Merkle tree, reading a tile, proving an event.

A ledger of N rows (``AUDITLOG_BENCH_TREE_ROWS``, 1,000,000; 1% rejected messages, targets over
20,000 accounts) is built into the tree by the tree builder (feed order, each row's canonical
record made by the server, leaf record and entry per row, tiles, one commit per 10,000 leaves).
Baseline in the same run: the same pages of records read by the same query and hashed with
hashlib in a tight loop (one SHA-256 per record), and that loop's hashing alone. Then a full
tile read by a reading unit of work as a server answers one request (p50/p99 over random
tiles), and ``prove`` (the use case, a unit of work each) over random events.
Targets: build >= 200,000 entries/s; a tile p99 < 5 ms; prove < 10 ms. Figures only.

Measured (issue 13; the shared 2-core box, 1,000,000 rows): build 126,589 and 144,460 entries/s,
1.16x and 1.20x the read-and-hash baseline and 0.12x hashing alone; before the second pass
(migration 009 dropped the subject index of ``tree_leaves``, tiles stored in binary, pages read as
plain tuples) 52,790-73,192/s, 0.46-0.66x. Not met: both cores are busy, the builder spending
~7 us of CPU a leaf and Postgres ~8 (README, "Evidence": Speed).
"""

from __future__ import annotations

import hashlib
import os
import random
import socket
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import psycopg

from auditlog.consumers.tree_builder import TreeBuilder
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.evidence import prove
from auditlog.ledger.feed import START
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key
from auditlog.ledger.tree import position_of
from bench._server import bench_database
from bench.feed import fill
from bench.report import report

ROWS = int(os.environ.get("AUDITLOG_BENCH_TREE_ROWS", "1000000"))
PAGE = 10_000
SAMPLES = 500


def baseline(ledger: Ledger) -> tuple[int, float, float]:
    """Rows, seconds to read and hash them, seconds of hashing alone."""
    sha256 = hashlib.sha256
    started = time.perf_counter()
    position, count, hashing = START, 0, 0.0
    while True:
        with ledger.reading() as unit:
            page = unit.tree_leaves(position, PAGE)
        if not page:
            return count, time.perf_counter() - started, hashing
        t = time.perf_counter()
        for row in page:
            sha256(row[4]).digest()
        hashing += time.perf_counter() - t
        count += len(page)
        position = position_of(page[-1])


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000


def _served_tiles(settings: Settings, rng: random.Random, full_tiles: int) -> list[float]:
    """GET random full tiles from ``auditlog serve``'s app under uvicorn, over one kept-alive
    connection: the time a client waits for each."""
    import httpx
    import uvicorn

    from auditlog.investigate.api.app import create_app
    from auditlog.ledger.tiles import encode_index

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    out = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(SAMPLES):
                path = f"/log/tile/0/{encode_index(rng.randrange(full_tiles))}"
                t = time.perf_counter()
                answer = client.get(path)
                out.append(time.perf_counter() - t)
                assert answer.status_code == 200 and len(answer.content) == 256 * 32
    finally:
        server.should_exit = True
        thread.join()
    return out


def main() -> None:
    rng = random.Random(ROWS)
    with bench_database("tree") as url, Ledger(url) as ledger, tempfile.TemporaryDirectory() as keys:
        fill(ledger, ROWS, rng)
        with psycopg.connect(url, autocommit=True) as conn:
            for table in ("events", "rejected"):
                conn.execute(f"VACUUM ANALYZE {table}")
        settings = replace(Settings.load(), database_url=url, signing_key=Path(keys) / "ledger.key",
                           checkpoint_export=Path(keys) / "checkpoints.jsonl", checkpoint_every=10**9,
                           checkpoint_seconds=10**6)
        init_key(Path(keys) / "ledger.key")
        rows, base_s, hash_s = baseline(ledger)
        started = time.perf_counter()
        built = TreeBuilder(settings, batch=PAGE).run(until_idle=True)
        build_s = time.perf_counter() - started
        with psycopg.connect(url) as conn:
            ids = [r[0] for r in conn.execute(f"SELECT event_id::text FROM events TABLESAMPLE SYSTEM (1) "
                                              f"LIMIT {SAMPLES}")]
        full_tiles = built.size // 256
        tile_s = []
        for _ in range(SAMPLES):
            n = rng.randrange(full_tiles)
            t = time.perf_counter()
            with ledger.reading() as unit:
                unit.tile(0, n, 256)
            tile_s.append(time.perf_counter() - t)
        served_s = _served_tiles(settings, rng, full_tiles)
        prove_s = []
        for event_id in ids:
            t = time.perf_counter()
            prove(ledger, settings, event_id)
            prove_s.append(time.perf_counter() - t)
    tile_p50, tile_p99 = _percentiles(tile_s)
    prove_p50, prove_p99 = _percentiles(prove_s)
    served_p50, served_p99 = _percentiles(served_s)
    report("tree", {
        "rows": rows,
        "tree_size": built.size,
        "build_entries_per_s": round(built.size / build_s),
        "baseline_read_and_sha256_per_s": round(rows / base_s),
        "baseline_sha256_only_per_s": round(rows / hash_s),
        "build_vs_baseline": round((built.size / build_s) / (rows / base_s), 2),
        "tile_read_p50_ms": round(tile_p50, 3),
        "tile_read_p99_ms": round(tile_p99, 3),
        "tile_http_p50_ms (auditlog serve)": round(served_p50, 3),
        "tile_http_p99_ms (auditlog serve)": round(served_p99, 3),
        "prove_p50_ms": round(prove_p50, 3),
        "prove_p99_ms": round(prove_p99, 3),
        "target_build_entries_per_s": 200_000,
        "target_tile_p99_ms": 5,
        "target_prove_ms": 10,
    })


if __name__ == "__main__":
    main()

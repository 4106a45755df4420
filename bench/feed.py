"""The ledger feed's read speed, against a plain ordered read of the same rows in the same run.

A ledger of N rows (``AUDITLOG_BENCH_FEED_ROWS``, 1,000,000; 1% of them rejected messages) is
read once through the feed (pages of 5,000 after a position: the horizon, the two ordered
streams merged; payloads as the JSON text the ledger stores) and once by a server-side cursor
over ``events ORDER BY seq`` with the same columns, the payload as text too (what a reader
that may skip rows would cost). A third figure decodes every feed row's event, as a projector
does. Target: the feed reads >= 100,000 rows/s. Figures only.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg

from auditlog.domain.model import Actor, AdminAction, Target
from auditlog.ledger.append import Incoming, Rejection
from auditlog.ledger.feed import START
from auditlog.ledger.gateway import Ledger
from auditlog.schemas.codec import decode, encode
from bench._server import bench_database
from bench.report import report

ROWS = int(os.environ.get("AUDITLOG_BENCH_FEED_ROWS", "1000000"))
BATCH = 5000
PAGE = 5000


def updates(n: int, rng: random.Random) -> AdminAction:
    """The ``n``th row of an ordinary ledger: an employee's account update, a millisecond apart."""
    return AdminAction(str(uuid.UUID(int=rng.getrandbits(128), version=4)), START_TIME + timedelta(milliseconds=n),
                       Actor("e-1", "employee", org="socialco"), "account.update",
                       Target("account", f"acct-{rng.randrange(20_000):05d}", "@someone"), reason="bench")


START_TIME = datetime(2017, 11, 2, tzinfo=UTC)


def fill(ledger: Ledger, rows: int, rng: random.Random,
         make: Callable[[int, random.Random], AdminAction] = updates) -> None:
    """``rows`` ledger rows through the writer's append path, 1 in 100 a rejected message, the
    others events ``make`` builds."""
    sample = decode(encode(make(0, random.Random(0))))
    offset = 0
    while offset < rows:
        incoming, rejections = [], []
        for n in range(offset, min(offset + BATCH, rows)):
            if n % 100 == 99:
                rejections.append(Rejection("bench", n % 6, n, None, b"junk", "not Avro single-object encoded"))
                continue
            event = make(n, rng)
            raw = encode(event)
            incoming.append(Incoming.of("bench", n % 6, n, event, raw, sample.fingerprint))
        with ledger.writing() as unit:
            unit.append_batch("bench", incoming, rejections, {})
        offset += BATCH


def read_feed(ledger: Ledger, *, decode_events: bool = False) -> tuple[int, float]:
    """Every feed row once, page by page; with ``decode_events`` every event row decoded
    (``FeedRow.event()``), as a projector reads it."""
    started = time.perf_counter()
    position, count = START, 0
    while True:
        with ledger.reading() as unit:
            page = unit.read_feed(position, PAGE)
        if not page:
            return count, time.perf_counter() - started
        if decode_events:
            for row in page:
                if row.kind == "event":
                    row.event()
        count += len(page)
        position = page[-1].position


def read_plain(url: str) -> tuple[int, float]:
    from psycopg.types.string import TextLoader

    started = time.perf_counter()
    count = 0
    with psycopg.connect(url) as conn, conn.cursor(name="plain") as cur:
        cur.adapters.register_loader("jsonb", TextLoader)
        cur.itersize = PAGE
        cur.execute("SELECT txid::text::bigint, seq, recorded_at, topic, partition, incarnation, kafka_offset, "
                    "payload FROM events ORDER BY seq")
        for _ in cur:
            count += 1
    return count, time.perf_counter() - started


def main() -> None:
    with bench_database("feed") as url, Ledger(url) as ledger:
        fill(ledger, ROWS, random.Random(ROWS))
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE events")
            conn.execute("VACUUM ANALYZE rejected")
        fed, fed_s = read_feed(ledger)
        plain, plain_s = read_plain(url)
        decoded, decoded_s = read_feed(ledger, decode_events=True)
    report("feed", {
        "rows": fed,
        "feed_rows_per_s": round(fed / fed_s),
        "plain_ordered_read_rows_per_s (events only)": round(plain / plain_s),
        "feed_vs_plain": round((fed / fed_s) / (plain / plain_s), 2),
        "feed_with_events_decoded_rows_per_s": round(decoded / decoded_s),
        "target_feed_rows_per_s": 100_000,
    })


if __name__ == "__main__":
    main()

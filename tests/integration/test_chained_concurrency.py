"""Rows of a single-chain kind appended at once by many callers still make one unbroken chain.

Each appender takes its chain's lock and then reads the chain's head. If the head were read on
a snapshot taken before the lock was granted (one statement for both), a caller that waited for
the lock would not see the row its predecessor had just committed, and two rows would share a
link: a forked chain that ``verify`` refuses. Reads are the kind recorded concurrently in
earnest (every API request), so they are the ones hammered here.
"""

from __future__ import annotations

import threading

import psycopg

from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.access import record_read
from auditlog.ledger import chain
from auditlog.ledger.access import Read
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.verify import verify

THREADS = 8
EACH = 25


def test_reads_recorded_at_once_make_one_unbroken_chain(settings: Settings) -> None:
    assert settings.database_url
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def recorder(n: int) -> None:
        try:
            start.wait()
            for k in range(EACH):
                record_read(ledger, Read(None, "investigator", f"CASE-{n}", "GET /x", f'{{"k":{k}}}', "127.0.0.1"))
        except BaseException as exc:  # reported below
            failures.append(exc)

    with Ledger(settings.database_url, pool_size=THREADS) as ledger:
        threads = [threading.Thread(target=recorder, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT chain_pos, prev_hash, hash FROM reads ORDER BY seq").fetchall()
        report = verify(conn)
    assert [r[0] for r in rows] == list(range(1, THREADS * EACH + 1))
    links = [chain.EMPTY.hash] + [bytes(r[2]) for r in rows[:-1]]
    assert [bytes(r[1]) for r in rows] == links
    assert report.ok, report.first_bad

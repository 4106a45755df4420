"""Rows of a single-chain kind appended at once by many callers still make one unbroken chain.

Each appender takes its chain's lock and then reads the chain's head. If the head were read on
a snapshot taken before the lock was granted (one statement for both), a caller that waited for
the lock would not see the row its predecessor had just committed, and two rows would share a
link: a forked chain that ``verify`` refuses. Reads are the kind recorded concurrently in
earnest (every API request), so they are the ones hammered here, directly and through the
API's ``ReadRecorder``.
"""

from __future__ import annotations

import threading

import psycopg

from auditlog.domain.access import Role, Scope
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.access import (
    ReadRecorder,
    Unauthenticated,
    create_token,
    record_read,
    revoke_token,
)
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


def test_the_api_recorder_commits_reads_that_arrive_together_and_answers_each_its_own(settings: Settings) -> None:
    """``ReadRecorder`` (what ``auditlog serve`` records reads with): callers at once share
    transactions, each gets its own stored read, a revoked token's read is refused alone, and the
    chain stays unbroken."""
    assert settings.database_url
    answers: dict[int, object] = {}
    start = threading.Barrier(THREADS)
    with Ledger(settings.database_url, pool_size=2) as ledger:
        good = create_token(ledger, Role.INVESTIGATOR, Scope(), 3600, "tests").stored.id
        bad = create_token(ledger, Role.INVESTIGATOR, Scope(), 3600, "tests").stored.id
        revoke_token(ledger, bad, "tests")
        with psycopg.connect(settings.database_url) as conn:
            before = conn.execute("SELECT count(*) FROM reads").fetchone()
        recorder = ReadRecorder(ledger)

        def asker(n: int) -> None:
            start.wait()
            for k in range(EACH):
                token = bad if (n, k) == (3, 7) else good
                try:
                    answers[n * EACH + k] = recorder.record(
                        Read(token, "investigator", f"GROUP-{n}", "GET /x", f'{{"k":{k}}}', "127.0.0.1"))
                except Unauthenticated as exc:
                    answers[n * EACH + k] = exc

        threads = [threading.Thread(target=asker, args=(n,)) for n in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        recorder.close()
    refused = {k: v for k, v in answers.items() if isinstance(v, Unauthenticated)}
    assert list(refused) == [3 * EACH + 7] and "revoked" in refused[3 * EACH + 7].reason
    stored = {k: v for k, v in answers.items() if k not in refused}
    assert len(stored) == THREADS * EACH - 1
    assert all(getattr(v, "case_id", None) == f"GROUP-{k // EACH}" for k, v in stored.items())
    assert len({getattr(v, "seq", None) for v in stored.values()}) == len(stored)
    with psycopg.connect(settings.database_url) as conn:
        after = conn.execute("SELECT count(*) FROM reads").fetchone()
        transactions = conn.execute(
            "SELECT count(DISTINCT xmin::text) FROM reads WHERE case_id LIKE 'GROUP-%'").fetchone()
        report = verify(conn)
    assert before is not None and after is not None and transactions is not None
    assert after[0] - before[0] == len(stored)
    assert transactions[0] < len(stored)  # callers at once shared commits
    assert report.ok, report.first_bad

"""``who`` over 1,000,000 events: an actor or a target filter with a one-day window.

The ledger is filled server-side (one INSERT ... SELECT over generate_series, the
fastest load on a small machine): 100 days, 200 actors, 50,000 accounts, payloads
shaped like real ones. Then 500 random one-day questions per filter, a page of up
to 100 rows each, as ``auditlog who`` asks them. Target (issue 5): p99 < 20 ms.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import psycopg

from auditlog.ledger.read import WhoFilter, who
from bench._server import bench_database
from bench._timing import latencies_ms, p50_p99
from bench.report import report

EVENTS = 1_000_000
DAYS = 100
ACTORS = 200
ACCOUNTS = 50_000
QUERIES = 500
START = datetime(2017, 1, 1, tzinfo=UTC)

_FILL = """
INSERT INTO events (event_id, topic, partition, kafka_offset, occurred_at, actor_id, actor_kind, actor_org,
                    action, target_type, target_id, reason, ticket, payload, raw_value, schema_fingerprint,
                    chain_pos, prev_hash, hash)
SELECT gen_random_uuid(), 'bench', i %% 6, i, t, a, k, o, act, 'account', tgt, 'bench', NULL,
       jsonb_build_object(
           'event_id', gen_random_uuid()::text, 'occurred_at', to_char(t AT TIME ZONE 'UTC',
                                                                      'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
           'actor', jsonb_build_object('id', a, 'kind', k, 'org', o, 'display_name', NULL, 'team', NULL,
                                       'session_id', NULL, 'source_ip', NULL),
           'action', act, 'target', jsonb_build_object('type', 'account', 'id', tgt, 'handle', NULL),
           'reason', 'bench', 'ticket', NULL, 'changes', '[]'::jsonb, 'source', NULL,
           'correlation_id', NULL, 'causation_id', NULL),
       '\\x00'::bytea, '\\x00'::bytea, i, '\\x00'::bytea, '\\x00'::bytea
FROM (SELECT i,
             %(start)s::timestamptz + (i * %(step)s::float8) * interval '1 second' AS t,
             'actor-' || ((i * 7919) %% %(actors)s) AS a,
             CASE WHEN (i * 7919) %% %(actors)s < 60 THEN 'contractor' ELSE 'employee' END AS k,
             CASE WHEN (i * 7919) %% %(actors)s < 60 THEN 'vendor-b' ELSE 'socialco' END AS o,
             (ARRAY['account.suspend', 'account.unsuspend', 'account.update',
                    'account.password_reset'])[1 + i %% 4] AS act,
             'acct-' || ((i * 104729) %% %(accounts)s) AS tgt
      FROM generate_series(1::bigint, %(events)s::bigint) AS i) AS rows
"""


def main() -> None:
    rng = random.Random(7)
    with bench_database("who") as url, psycopg.connect(url, autocommit=True) as conn:
        began = time.perf_counter()
        conn.execute(_FILL, {"start": START, "step": DAYS * 86400 / EVENTS, "actors": ACTORS,
                             "accounts": ACCOUNTS, "events": EVENTS})
        conn.execute("ANALYZE events")
        load_s = time.perf_counter() - began

        def day() -> tuple[datetime, datetime]:
            first = START + timedelta(days=rng.randint(0, DAYS - 1))
            return first, first + timedelta(days=1) - timedelta(microseconds=1)

        by_actor = [WhoFilter(actor=f"actor-{rng.randrange(ACTORS)}", start=s, end=e)
                    for s, e in (day() for _ in range(QUERIES))]
        by_target = [WhoFilter(target=f"acct-{rng.randrange(ACCOUNTS)}", start=s, end=e)
                     for s, e in (day() for _ in range(QUERIES))]
        latencies_ms(lambda w: who(conn, w, limit=100), by_actor[:20])  # warm-up, not counted
        actor = latencies_ms(lambda w: who(conn, w, limit=100), by_actor)
        target = latencies_ms(lambda w: who(conn, w, limit=100), by_target)
        rows = sum(len(who(conn, w, limit=100)) for w in by_actor[:50]) / 50
    (a50, a99), (t50, t99) = p50_p99(actor), p50_p99(target)
    report("who", {"events": EVENTS, "load_s": round(load_s, 1), "queries_per_filter": QUERIES,
                   "actor_day_rows_avg": rows, "actor_day_p50_ms": a50, "actor_day_p99_ms": a99,
                   "target_day_p50_ms": t50, "target_day_p99_ms": t99})


if __name__ == "__main__":
    main()

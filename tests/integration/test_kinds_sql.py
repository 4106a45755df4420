"""The queries ledger/kinds.py generates from the record kinds plan against the migrated schema,
and a feed page stays a Merge Append of each kind's ordered index scan: no Sort node."""

from __future__ import annotations

import psycopg
import pytest

from auditlog.ledger import kinds

PAGED = {"feed_rows": kinds.feed_rows_sql, "tree_leaves": kinds.leaves_sql}
PARAMS = {"txid": "0", "seq": 0, "limit": 5000}


@pytest.mark.parametrize("name", sorted(PAGED))
def test_a_page_merges_the_kinds_ordered_scans_without_sorting(database_url: str, name: str) -> None:
    with psycopg.connect(database_url) as conn:
        # the near-empty tables of a test: plan as for big ones (where index scans win)
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + PAGED[name](), PARAMS))
    assert "Merge Append" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
    for kind in kinds.KINDS:
        assert kind.table in plan


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.name)
def test_every_generated_query_plans(database_url: str, kind: kinds.RecordKind) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("EXPLAIN " + kinds.feed_head_sql())
        conn.execute("EXPLAIN " + kinds.feed_behind_sql(), {"txid": "0", "seq": 0, "cap": 10})
        conn.execute("EXPLAIN " + kinds.feed_held_sql(), {"cap": 10})
        conn.execute("EXPLAIN SELECT " + kinds.feed_recorded_at_sql() + " FROM feed_positions p")
        conn.execute("EXPLAIN " + kinds.chain_records_sql(kind))
        conn.execute("EXPLAIN " + kinds.chain_heads_sql(kind))


@pytest.mark.parametrize("sql", [kinds.feed_behind_sql, kinds.feed_held_sql, kinds.feed_recorded_at_sql],
                         ids=lambda f: f.__name__)
def test_lag_counts_every_kind_of_row(sql: object) -> None:
    # a seal (or a later kind) the lag queries left out would be a feed row no lag figure shows
    text = sql()  # type: ignore[operator]
    for kind in kinds.KINDS:
        assert f"FROM {kind.table} x" in text, (kind.name, text)

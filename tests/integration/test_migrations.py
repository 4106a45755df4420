"""The numbered migrations build the schema the code writes and reads."""

import re
from importlib import resources

import psycopg
import pytest

from auditlog.ledger import append
from auditlog.ledger.migrate import migrate, migrations
from auditlog.ledger.read import WHO_CONDITIONS, who_statement
from auditlog.ledger.state import state_statement

# every named query but durable_commit.sql, a SET with nothing to plan
QUERIES = sorted(p.name for p in resources.files("auditlog.ledger").joinpath("queries").iterdir()
                 if p.name.endswith(".sql") and p.name != "durable_commit.sql")


def _columns(conn: psycopg.Connection, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
    ).fetchall()
    return {r[0] for r in rows}


def _names(column_list: str) -> set[str]:
    return {c.strip() for c in column_list.split(",")}


def test_migrations_build_every_column_the_writer_copies_into(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert _names(append._EVENT_COLUMNS) <= _columns(conn, "events")
        assert {"seq", "recorded_at", "txid", "incarnation", "record_version"} <= _columns(conn, "events")
        assert {"group_id", "topic", "partition", "incarnation", "next_offset"} <= _columns(conn, "consumer_offsets")


# the queries that are parts of a statement the code puts together: planned as put together
COMPOSED = {"state_from_snapshot.sql": state_statement(),
            "who.sql": who_statement(frozenset(name for name, _ in WHO_CONDITIONS))}


@pytest.mark.parametrize("name", QUERIES)
def test_every_named_query_plans_against_the_migrated_schema(database_url: str, name: str) -> None:
    """The server plans each query in ledger/queries/ (EXPLAIN, nothing runs): a table or
    column a query names and the migrations do not build fails here."""
    text = COMPOSED.get(name) or resources.files("auditlog.ledger").joinpath("queries", name).read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")).strip()
    params = {param: None for param in re.findall(r"%\((\w+)\)[sb]", body)}  # b: a binary parameter
    with psycopg.connect(database_url) as conn:
        conn.execute("EXPLAIN " + body, params)
        conn.rollback()


def test_migrating_again_applies_nothing_and_records_each_version(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert migrate(conn) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m.version for m in migrations()]


def test_event_ids_and_kafka_coordinates_are_unique(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'events'::regclass "
            "AND indisunique"
        ).fetchall()
    definitions = " ".join(r[0] for r in rows)
    assert "(event_id)" in definitions
    assert "(topic, partition, incarnation, kafka_offset)" in definitions

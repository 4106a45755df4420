"""The numbered migrations build the schema the code writes and reads."""

import psycopg

from auditlog.ledger import append
from auditlog.ledger.migrate import migrate, migrations


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
        assert _names(append._REJECTED_COLUMNS) <= _columns(conn, "rejected")
        assert {"seq", "recorded_at"} <= _columns(conn, "events")
        assert {"group_id", "topic", "partition", "next_offset"} <= _columns(conn, "consumer_offsets")


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
    assert "(topic, partition, kafka_offset)" in definitions

"""Nobody in the service can change the ledger: privileges refuse each role, triggers refuse everyone."""

from collections.abc import Iterator

import psycopg
import pytest

from auditlog.ledger.db import connect
from auditlog.ledger.migrate import migrate, migrations
from auditlog.ledger.roles import OWNER, READER, WRITER
from tests.conftest import Services

FORBIDDEN = {
    "UPDATE": "UPDATE {table} SET {column} = {column}",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": "TRUNCATE {table}",
    "ALTER": "ALTER TABLE {table} ADD COLUMN sneaky text",
    "DISABLE TRIGGER": "ALTER TABLE {table} DISABLE TRIGGER USER",
    "DROP": "DROP TABLE {table}",
}
TABLES = {"events": "actor_id", "rejected": "reason", "checkpoints": "key_id", "seals": "purpose",
          "alerts": "summary", "alert_acks": "note", "reads": "route", "tokens": "role",
          "token_revocations": "revoked_by"}
# the Merkle tree (migration 006): derived, written by the tree builder as the writer, INSERT only
TREE_TABLES = {"tree_leaves": "kind", "tree_tiles": "data", "tree_heads": "root"}


@pytest.fixture(scope="module")
def one_row_each(database_url: str) -> None:
    """A row in every ledger table, so a refused UPDATE or DELETE had something to change."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO events (event_id, topic, partition, kafka_offset, occurred_at, actor_id, actor_kind, "
            "action, target_type, target_id, payload, raw_value, schema_fingerprint, chain_pos, prev_hash, hash) "
            "VALUES (gen_random_uuid(), 't', 0, 0, now(), 'e-1', 'employee', 'account.update', 'account', 'a-1', "
            "'{}', '\\x00', '\\x00', 1, '\\x00', '\\x00')")
        conn.execute("INSERT INTO rejected (topic, partition, kafka_offset, raw_value, reason) "
                      "VALUES ('t', 0, 1, '\\x00', 'garbage')")
        conn.execute("INSERT INTO checkpoints (key_id, body, signature) VALUES ('k', '\\x00', '\\x00')")
        conn.execute("INSERT INTO seals (subject, purpose, chain_pos, prev_hash, hash) "
                     "VALUES ('a-1', 'bundle', 1, '\\x00', '\\x00')")
        conn.execute("INSERT INTO alerts (id, rule, severity, event_id, event_seq, actor_id, target_id, occurred_at, "
                     "summary, late, raised_at, chain_pos, prev_hash, hash) VALUES (1, 'r', 'low', gen_random_uuid(), "
                     "1, 'e-1', 'a-1', now(), 's', false, now(), 1, '\\x00', '\\x00')")
        conn.execute("INSERT INTO alert_acks (alert_id, note, acked_by, acked_at, chain_pos, prev_hash, hash) "
                     "VALUES (1, 'n', 'me', now(), 1, '\\x00', '\\x00')")
        conn.execute("INSERT INTO reads (read_at, role, route, params, client, chain_pos, prev_hash, hash) "
                     "VALUES (now(), 'cli', 'auditlog state', '{}', 'me', 1, '\\x00', '\\x00')")
        conn.execute("INSERT INTO tokens (id, role, created_by, expires_at, token_hash) "
                     "VALUES ('tok_rolestest1', 'admin', 'me', now(), sha256('x'))")
        conn.execute("INSERT INTO token_revocations (token_id, revoked_by) VALUES ('tok_rolestest1', 'me')")
        conn.execute("INSERT INTO tree_leaves VALUES (0, 1, 'event', 'a-1', -1)")
        conn.execute("INSERT INTO tree_tiles VALUES (0, 0, 1, '\\x00')")
        conn.execute("INSERT INTO tree_heads (size, root) VALUES (1, '\\x00')")


@pytest.fixture
def as_role(database_url: str, request: pytest.FixtureRequest) -> Iterator[psycopg.Connection]:
    conn = connect(database_url, role=request.param)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.parametrize("as_role", [WRITER, READER], indirect=True)
@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("what", sorted(FORBIDDEN))
def test_no_service_role_can_change_a_ledger_table(
    as_role: psycopg.Connection, table: str, what: str, one_row_each: None
) -> None:
    statement = FORBIDDEN[what].format(table=table, column=TABLES[table])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role.execute(statement)


@pytest.mark.parametrize("as_role", [WRITER, READER], indirect=True)
@pytest.mark.parametrize("table", sorted(TREE_TABLES))
@pytest.mark.parametrize("what", ["UPDATE", "DELETE", "TRUNCATE", "DROP"])
def test_no_service_role_can_change_the_tree(as_role: psycopg.Connection, table: str, what: str,
                                             one_row_each: None) -> None:
    statement = FORBIDDEN[what].format(table=table, column=TREE_TABLES[table])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role.execute(statement)


# The owner (NOLOGIN, used by migrations only) may ALTER its tables, as owners must; it
# holds no UPDATE, DELETE or TRUNCATE on them either.
@pytest.mark.parametrize("as_role", [OWNER], indirect=True)
@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("what", ["UPDATE", "DELETE", "TRUNCATE"])
def test_not_even_the_owner_can_change_ledger_rows(
    as_role: psycopg.Connection, table: str, what: str, one_row_each: None
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role.execute(FORBIDDEN[what].format(table=table, column=TABLES[table]))


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("what", ["UPDATE", "DELETE", "TRUNCATE"])
def test_triggers_refuse_even_a_superuser(database_url: str, table: str, what: str, one_row_each: None) -> None:
    with psycopg.connect(database_url) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(FORBIDDEN[what].format(table=table, column=TABLES[table]))
        conn.rollback()
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)


def test_the_writer_appends_and_moves_its_offsets_and_the_reader_only_reads(database_url: str) -> None:
    with connect(database_url, role=WRITER) as writer:
        writer.execute("INSERT INTO rejected (topic, partition, kafka_offset, raw_value, reason) "
                       "VALUES ('t', 0, 2, '\\x01', 'garbage')")
        writer.execute("INSERT INTO consumer_offsets (group_id, topic, partition, next_offset) VALUES ('g', 't', 0, 1)")
        writer.execute("UPDATE consumer_offsets SET next_offset = 3 WHERE group_id = 'g'")
        writer.commit()
    with connect(database_url, role=READER) as reader:
        assert reader.execute("SELECT next_offset FROM consumer_offsets WHERE group_id = 'g'").fetchone() == (3,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("INSERT INTO rejected (topic, partition, kafka_offset, reason) VALUES ('t', 0, 9, 'x')")
        reader.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("UPDATE consumer_offsets SET next_offset = 0")


def test_migrating_a_second_database_on_the_same_server_reuses_the_roles(
    services: Services, database_url: str
) -> None:
    with psycopg.connect(services.admin_url, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS "t_roles_second"')
        admin.execute('CREATE DATABASE "t_roles_second"')
    try:
        with psycopg.connect(services.database_url("t_roles_second")) as conn:
            assert [m.version for m in migrate(conn)] == [m.version for m in migrations()]
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'events'").fetchone()
        assert owner == (OWNER,)
    finally:
        with psycopg.connect(services.admin_url, autocommit=True) as admin:
            admin.execute('DROP DATABASE IF EXISTS "t_roles_second" WITH (FORCE)')

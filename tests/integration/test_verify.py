"""``auditlog verify`` catches what a superuser can do behind the service's back, and nothing else.

One ledger is ingested (with a signing key, so the writer exports a checkpoint when
it finishes). Each tampering is done as a superuser inside a transaction, verified
on that same connection, then rolled back, so every test starts from the clean ledger.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditlog.consumers.ingest import ingest
from auditlog.domain.settings import Settings
from auditlog.ledger import chain
from auditlog.ledger.checkpoints import exported, sign
from auditlog.ledger.keys import init_key, load_private, load_public
from auditlog.ledger.sql import query
from auditlog.ledger.verify import Report, verify
from auditlog.producers.producer import AuditProducer
from auditlog.producers.topics import ensure_topic
from tests.conftest import Services
from tests.factories import event

EVENTS = 60


@pytest.fixture(scope="module")
def signed(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The module's ledger holding EVENTS events over 3 partitions, ingested with a signing key."""
    keys = tmp_path_factory.mktemp("keys")
    init_key(keys / "checkpoint.key")
    signed = replace(settings, signing_key=keys / "checkpoint.key", checkpoint_export=keys / "checkpoints.jsonl")
    assert settings.bootstrap_servers
    ensure_topic(settings.bootstrap_servers, settings.topic, settings.partitions)
    with AuditProducer(settings.bootstrap_servers, settings.topic) as producer:
        for n in range(EVENTS):
            producer.emit(event("account.update", target=f"a-{n % 9}", reason=f"change {n}"))
    stats = ingest(signed, until_idle=True)
    assert (stats.appended, stats.checkpoints) == (EVENTS, 1)
    return signed


@contextmanager
def tampered(settings: Settings, *statements: str) -> Iterator[psycopg.Connection]:
    """A superuser connection inside a transaction where ``statements`` ran; rolled back after."""
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        for statement in statements:
            conn.execute(statement)
        try:
            yield conn
        finally:
            conn.rollback()


def check(settings: Settings, conn: psycopg.Connection) -> Report:
    assert settings.signing_key and settings.checkpoint_export
    return verify(conn, public_key=load_public(settings.signing_key), exported=exported(settings.checkpoint_export))


def chain_rows(conn: psycopg.Connection, partition: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT seq FROM events WHERE partition = %s ORDER BY seq", (partition,))]


def busiest_partition(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT partition FROM events GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()
    assert row is not None
    return int(row[0])


def test_a_clean_ledger_verifies(signed: Settings) -> None:
    with tampered(signed) as conn:
        report = check(signed, conn)
        partitions = conn.execute("SELECT count(DISTINCT partition) FROM events").fetchone()
    assert report.first_bad is None and report.checkpoint_problems == []
    assert (report.ok, report.events, report.bad_rows, report.checkpoints) == (True, EVENTS, 0, 1)
    assert partitions == (report.chains,)
    assert report.signatures_checked


# Rows unlike anything ingested: NULLs, empty text and bytes, non-ASCII, a payload with numbers
# (as Postgres prints the jsonb, which is what gets hashed), times before 1970 and at the end
# of Python's range, the largest offsets and incarnations, keys and headers, and a row in the
# record layout of before migration 004 (version 1).
ODD_ROWS = [
    (2, "ops", 0, 0, 0, datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "", "", None, "", "", "",
     None, None, '""', b"", b"", b"", chain.encode_headers([])),
    (2, "tópico-ü", 7, 2**31 - 1, 2**63 - 1, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "Zoë ☃ 🙂",
     "employee", "société", "account.update", "account", "a-\u00e9", "raison: «spam»", "T-1",
     '{"a": [1, 2.50, null], "b": "Zoë ☃ 🙂"}', b"\x00\xff\x00", b"\xc3\x01", None, None),
    (1, "ops", 2**31 - 1, 0, 1, datetime(2017, 11, 2, 22, 58, 2, 1, tzinfo=UTC), "e-1", "service", None,
     "account.protect", "account", "", "", None, "{}", b"raw", bytes(range(256)), None, None),
    (2, "ops", 3, 5, 9, datetime(2017, 11, 2, 22, 58, 2, 1, tzinfo=UTC), "e-1", "service", None,
     "account.protect", "account", "a-1", "", None, "{}", b"raw", b"fp",
     b"a-1", chain.encode_headers([("trace-id", b"\x00"), ("x", None)])),
]


def test_the_records_the_query_builds_are_the_canonical_records(signed: Settings) -> None:
    """verify hashes the records chain_records.sql makes on the server: they must be
    chain.record() byte for byte, on the ingested rows and on odd ones."""
    with tampered(signed) as conn:
        odd = {}
        for n, (version, topic, partition, incarnation, offset, occurred_at, *rest) in enumerate(ODD_ROWS):
            event_id = uuid.uuid4()
            row = conn.execute(
                "INSERT INTO events (record_version, event_id, topic, partition, incarnation, kafka_offset, "
                "occurred_at, recorded_at, actor_id, actor_kind, actor_org, action, target_type, target_id, reason, "
                "ticket, payload, raw_value, schema_fingerprint, raw_key, raw_headers, chain_pos, prev_hash, hash) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "'', '') RETURNING seq",
                (version, event_id, topic, partition, incarnation, offset, occurred_at, occurred_at, *rest, n + 1),
            ).fetchone()
            assert row is not None
            us = chain.micros(occurred_at)
            odd[row[0]] = chain.record(
                (row[0], partition, offset, n + 1, us, us, incarnation, event_id, topic, *rest), version)
        rows = conn.execute(query("chain_rows"), binary=True).fetchall()
        built = conn.execute(query("chain_records"), binary=True).fetchall()
    assert [r[2] for r in built] == [r[0] for r in rows]  # the same rows, in the same order
    assert len(rows) == EVENTS + len(ODD_ROWS)
    for row, made in zip(rows, built, strict=True):
        assert made[5] == chain.record(row[:22], row[22]), f"seq {row[0]}"
    assert {r[2]: r[5] for r in built if r[2] in odd} == odd


def test_a_changed_record_version_is_a_changed_row(signed: Settings) -> None:
    p, victim, report = edit_one_row(signed, "UPDATE events SET record_version = 1 WHERE seq = %s", 2,
                                     "SET session_replication_role = replica")
    assert report.first_bad is not None
    assert (report.first_bad["partition"], report.first_bad["seq"]) == (p, victim)


def edit_one_row(settings: Settings, edit: str, index: int, *setup: str) -> tuple[int, int, Report]:
    """Run ``edit`` (its one parameter: a seq) on row ``index`` of the busiest chain, after
    ``setup``; verify; return that chain's partition, the row's seq and the report."""
    with tampered(settings, *setup) as conn:
        p = busiest_partition(conn)
        victim = chain_rows(conn, p)[index]
        conn.execute(edit, (victim,))
        return p, victim, check(settings, conn)


def test_an_edited_payload_names_its_row(signed: Settings) -> None:
    p, victim, report = edit_one_row(
        signed, "UPDATE events SET payload = jsonb_set(payload, '{reason}', '\"nothing to see\"') "
        "WHERE seq = %s", 3, "SET session_replication_role = replica")
    assert not report.ok
    assert report.first_bad is not None
    assert (report.first_bad["partition"], report.first_bad["seq"]) == (p, victim)
    assert "changed" in report.first_bad["problem"]
    assert report.first_bad["expected"] != report.first_bad["found"]
    assert report.bad_rows == 1


def test_an_edit_with_triggers_disabled_is_caught(signed: Settings) -> None:
    p, victim, report = edit_one_row(signed, "UPDATE events SET actor_id = 'e-innocent' WHERE seq = %s", 0,
                                     "ALTER TABLE events DISABLE TRIGGER USER")
    assert report.first_bad is not None
    assert (report.first_bad["partition"], report.first_bad["seq"]) == (p, victim)


def test_an_edit_of_the_ledger_time_is_caught(signed: Settings) -> None:
    _, victim, report = edit_one_row(
        signed, "UPDATE events SET recorded_at = recorded_at - interval '1 microsecond' WHERE seq = %s", -1,
        "SET session_replication_role = replica")
    assert report.first_bad is not None and report.first_bad["seq"] == victim


def test_a_deleted_middle_row_names_the_row_after_it(signed: Settings) -> None:
    with tampered(signed, "SET session_replication_role = replica") as conn:
        p = busiest_partition(conn)
        seqs = chain_rows(conn, p)
        conn.execute("DELETE FROM events WHERE seq = %s", (seqs[4],))
        report = check(signed, conn)
    assert report.first_bad is not None
    assert (report.first_bad["partition"], report.first_bad["seq"]) == (p, seqs[5])
    assert "missing or moved" in report.first_bad["problem"]


def test_deleted_tail_rows_are_caught_by_the_exported_checkpoint(signed: Settings) -> None:
    # the tamperer removes the last rows of a chain *and* every checkpoint in the database
    with tampered(signed, "SET session_replication_role = replica") as conn:
        p = busiest_partition(conn)
        seqs = chain_rows(conn, p)
        conn.execute("DELETE FROM events WHERE seq = ANY(%s)", (seqs[-2:],))
        conn.execute("DELETE FROM checkpoints")
        report = check(signed, conn)
    assert report.first_bad is not None
    assert report.first_bad["kind"] == "checkpoint"
    assert report.bad_rows == 0  # what is left is a valid chain: only the checkpoint knows
    problems = {(c["problem"], c.get("partition")) for c in report.checkpoint_problems}
    assert ("chain is shorter than the checkpoint says", p) in problems
    assert ("exported checkpoint is missing from the database", None) in problems


def test_two_swapped_rows_are_caught(signed: Settings) -> None:
    # move whole rows: seq is an identity column, so the superuser has to loosen it first
    with tampered(signed, "SET session_replication_role = replica",
                  "ALTER TABLE events ALTER COLUMN seq SET GENERATED BY DEFAULT") as conn:
        p = busiest_partition(conn)
        a, b = chain_rows(conn, p)[1:3]
        conn.execute("UPDATE events SET seq = -1 WHERE seq = %s", (a,))
        conn.execute("UPDATE events SET seq = %s WHERE seq = %s", (a, b))
        conn.execute("UPDATE events SET seq = %s WHERE seq = -1", (b,))
        report = check(signed, conn)
    assert report.first_bad is not None
    assert (report.first_bad["partition"], report.first_bad["seq"]) == (p, a)


def test_a_null_forced_into_a_not_null_column_is_a_changed_row_not_a_crash(signed: Settings) -> None:
    p, victim, report = edit_one_row(signed, "UPDATE events SET occurred_at = NULL WHERE seq = %s", 1,
                                     "SET session_replication_role = replica",
                                     "ALTER TABLE events ALTER COLUMN occurred_at DROP NOT NULL")
    assert report.first_bad is not None
    assert (report.first_bad["partition"], report.first_bad["seq"]) == (p, victim)
    assert "changed" in report.first_bad["problem"]


def test_two_rows_with_swapped_contents_are_caught(signed: Settings) -> None:
    with tampered(signed, "SET session_replication_role = replica") as conn:
        p = busiest_partition(conn)
        a, b = chain_rows(conn, p)[2:4]
        conn.execute("UPDATE events e SET payload = o.payload, raw_value = o.raw_value FROM events o "
                     "WHERE (e.seq, o.seq) IN ((%s, %s), (%s, %s))", (a, b, b, a))
        report = check(signed, conn)
    assert report.first_bad is not None and report.first_bad["seq"] == a
    assert report.bad_rows == 2


def test_a_rewritten_chain_is_caught_by_the_signed_checkpoint(signed: Settings) -> None:
    """A tamperer who knows the algorithm edits a row and recomputes every hash after it."""
    with tampered(signed, "SET session_replication_role = replica") as conn:
        p = busiest_partition(conn)
        seqs = chain_rows(conn, p)
        conn.execute("UPDATE events SET reason = 'routine' WHERE seq = %s", (seqs[2],))
        rows = conn.execute(
            Path(__file__).parents[2].joinpath("ledger/queries/chain_rows.sql").read_text()
            .replace("FROM events", "FROM events WHERE partition = %s"), (p,), binary=True).fetchall()
        prev = chain.GENESIS
        for row in rows:
            new = chain.link(prev, row[:22], row[22])
            conn.execute("UPDATE events SET prev_hash = %s, hash = %s WHERE seq = %s", (prev, new, row[0]))
            prev = new
        report = check(signed, conn)
    assert report.bad_rows == 0
    assert report.first_bad is not None
    assert report.first_bad["problem"] == "row at the checkpoint's head has another hash"
    assert report.first_bad["partition"] == p


def test_a_forged_checkpoint_is_refused(signed: Settings) -> None:
    with tampered(signed) as conn:
        conn.execute("SET ROLE auditlog_writer")
        sign(conn, _other_key(signed))
        conn.execute("RESET ROLE")
        report = check(signed, conn)
    assert report.first_bad is not None
    assert report.first_bad["problem"] == "signature does not verify with the signing key"


def _other_key(settings: Settings) -> Ed25519PrivateKey:
    assert settings.signing_key
    other = settings.signing_key.with_name("other.key")
    if not other.exists():
        init_key(other)
    return load_private(other)


def auditlog(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "auditlog.investigate.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_cli_says_ok_on_the_clean_ledger_and_names_the_bad_row_of_a_tampered_copy(
    signed: Settings, cli_env: dict[str, str], services: Services
) -> None:
    env = cli_env | {"AUDITLOG_SIGNING_KEY": str(signed.signing_key),
                     "AUDITLOG_CHECKPOINT_EXPORT": str(signed.checkpoint_export)}
    clean = auditlog(env, "verify", "--json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["ok"] is True
    assert json.loads(clean.stdout)["events"] == EVENTS

    assert signed.database_url
    source = signed.database_url.rsplit("/", 1)[1]
    copy = f"{source}_tampered"
    with psycopg.connect(services.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    try:
        with psycopg.connect(services.database_url(copy), autocommit=True) as conn:
            conn.execute("SET session_replication_role = replica")
            conn.execute("UPDATE events SET target_id = 'acct-other' WHERE seq = (SELECT min(seq) FROM events)")
            seq = conn.execute("SELECT min(seq) FROM events").fetchone()
        bad = auditlog(env | {"DATABASE_URL": services.database_url(copy)}, "verify", "--json")
        human = auditlog(env | {"DATABASE_URL": services.database_url(copy)}, "verify")
    finally:
        with psycopg.connect(services.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    assert bad.returncode == 1, bad.stderr
    result = json.loads(bad.stdout)
    assert result["ok"] is False and result["first_bad"]["seq"] == seq[0]  # type: ignore[index]
    assert human.returncode == 1 and human.stdout.startswith("NOT OK")


def test_keys_init_makes_a_key_pair_once_and_checkpoint_signs_with_it(
    signed: Settings, cli_env: dict[str, str], tmp_path: Path
) -> None:
    key = tmp_path / "keys" / "ledger.key"
    env = cli_env | {"AUDITLOG_SIGNING_KEY": str(key)}
    made = auditlog(env, "keys", "init")
    assert made.returncode == 0, made.stderr
    assert key.stat().st_mode & 0o077 == 0  # the private key is the owner's only
    assert load_public(key) == load_private(key).public_key()
    again = auditlog(env, "keys", "init")
    assert again.returncode == 1 and "refusing to replace" in again.stderr

    signed_now = auditlog(env, "checkpoint")
    assert signed_now.returncode == 0, signed_now.stderr
    assert f"{EVENTS} events" in signed_now.stdout
    (line,) = (tmp_path / "keys" / "checkpoints.jsonl").read_text().splitlines()
    assert json.loads(json.loads(line)["body"])["events"] == EVENTS
    checked = auditlog(env, "verify", "--json")
    # the module's first key signed the writer's checkpoint: with this key it does not verify
    assert checked.returncode == 1
    assert json.loads(checked.stdout)["first_bad"]["problem"] == "signature does not verify with the signing key"

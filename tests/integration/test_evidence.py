"""The transparency log on a real ledger: the tree builder, signed tree checkpoints, proofs
checked by the RFC reference verifier of tests/unit/test_merkle.py (not the production one),
tampering as a superuser, and a key rotation.

One ledger per module: events appended through the ledger's own append path (and one rejected
message), a chain checkpoint, the tree built and signed twice. Each tampering runs inside a
transaction, is checked on that connection, then rolled back.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient

from auditlog.consumers.tree_builder import TreeBuilder
from auditlog.domain.settings import Settings
from auditlog.investigate.api.app import create_app
from auditlog.investigate.usecases import evidence
from auditlog.investigate.usecases.bundle import BundleQuery, check_bundle, make_bundle
from auditlog.ledger import merkle, note, records, tree
from auditlog.ledger.append import Incoming, Rejection, append_batch
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key, load_private
from auditlog.ledger.tree_checkpoints import InconsistentTree, exported, sign
from auditlog.ledger.verify import Report, verify
from tests.factories import event
from tests.unit.test_merkle import ref_verify_consistency, ref_verify_inclusion

ORIGIN = "auditlog.test/ledger"
FIRST, SECOND = 40, 25  # events before the first tree checkpoint, and after it


def _append(settings: Settings, count: int, start: int, rejected: bool = False) -> list[str]:
    events = [event("account.update", target=f"a-{n % 7}", reason=f"change {n}") for n in range(start, start + count)]
    incoming = [Incoming.of("direct", n % 2, start + n, e, e.event_id.encode(), b"test") for n, e in enumerate(events)]
    rejections = [Rejection("direct", 0, 10_000 + start, b"k", b"\x00garbage", "not Avro")] if rejected else []
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn, conn.transaction():
        append_batch(conn, "tests", incoming, rejections, {})
    return [str(e.event_id) for e in events]


@pytest.fixture(scope="module")
def log(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[str]]:
    keys = tmp_path_factory.mktemp("keys")
    init_key(keys / "ledger.key")
    signed = replace(settings, signing_key=keys / "ledger.key", checkpoint_export=keys / "checkpoints.jsonl",
                     trusted_keys=keys / "trusted.vkeys", log_origin=ORIGIN)
    evidence.trust_current_key(signed)
    ids = _append(signed, FIRST // 2, 0, rejected=True) + _append(signed, FIRST // 2, FIRST // 2)
    with Ledger.from_settings(signed) as ledger:
        ledger.checkpoint(load_private(keys / "ledger.key"), signed.checkpoint_export)
    built = TreeBuilder(signed, batch=16).run(until_idle=True)
    assert (built.size, built.checkpoints) == (FIRST + 1, 1)
    ids += _append(signed, SECOND, FIRST)
    built = TreeBuilder(signed, batch=16).run(until_idle=True)
    assert (built.leaves, built.size, built.checkpoints) == (SECOND, FIRST + 1 + SECOND, 1)
    return signed, ids


@contextmanager
def tampered(settings: Settings, *statements: str) -> Iterator[psycopg.Connection]:
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("SET session_replication_role = replica")  # a superuser past the triggers
        for statement in statements:
            conn.execute(statement)
        try:
            yield conn
        finally:
            conn.rollback()


def trusted(settings: Settings) -> list[note.Verifier]:
    found = evidence.trusted_verifiers(settings)
    assert found
    return found


def check(settings: Settings, conn: psycopg.Connection) -> Report:
    keys = [Ed25519PublicKey.from_public_bytes(v.public) for v in trusted(settings)]
    assert settings.checkpoint_export
    return verify(conn, keys=keys, origin=ORIGIN, exported_notes=exported(settings.checkpoint_export))


def proof_holds(settings: Settings, conn: psycopg.Connection, event_id: str) -> bool:
    """Prove the event on this (maybe tampered) connection, as prove does, and check the proof
    with the reference verifier against the newest signed checkpoint opened with the trusted keys."""
    assert settings.checkpoint_export
    newest = exported(settings.checkpoint_export)[-1]
    checkpoint = note.open_checkpoint(newest, ORIGIN, trusted(settings))
    leaf = tree.leaf_of_event(conn, event_id)
    if leaf is None:
        return False
    path = merkle.inclusion_proof(leaf.index, checkpoint.size, tree.TileCache(conn).node_reader())
    return ref_verify_inclusion(leaf.index, checkpoint.size, merkle.leaf_hash(leaf.entry()), path, checkpoint.root)


def seqs(conn: psycopg.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT seq FROM events ORDER BY seq")]


def test_a_clean_log_verifies_and_every_event_proves(log: tuple[Settings, list[str]]) -> None:
    settings, ids = log
    with tampered(settings) as conn:
        report = check(settings, conn)
        assert all(proof_holds(settings, conn, i) for i in ids)
    assert report.ok, report.first_bad
    assert report.tree is not None
    assert (report.tree.size, report.tree.checked, report.tree.checkpoints) == (FIRST + 1 + SECOND,) * 2 + (2,)
    assert report.other_rows["rejected"] == 1 and report.unchained == 0


def test_prove_answers_what_an_outsider_can_check(log: tuple[Settings, list[str]]) -> None:
    settings, ids = log
    with Ledger.from_settings(settings) as ledger:
        answer = evidence.prove(ledger, settings, ids[3])
    checkpoint = note.open_checkpoint(answer.checkpoint, ORIGIN, [note.parse_vkey(answer.vkey or "")])
    assert checkpoint.size == answer.tree_size == FIRST + 1 + SECOND
    assert records.entry(answer.record) == answer.entry
    kind, subject, prev, record = records.parse_leaf(answer.record)
    assert (kind, subject) == ("event", "a-3") and record.startswith(b"auditlog.events.v2\x00")
    assert ref_verify_inclusion(answer.index, answer.tree_size, merkle.leaf_hash(answer.entry), list(answer.proof),
                                checkpoint.root)


def test_the_previous_leaf_links_walk_every_event_of_a_target(log: tuple[Settings, list[str]]) -> None:
    settings, _ = log
    with tampered(settings) as conn:
        leaves = tree.subject_leaves(conn, "a-3", FIRST + 1 + SECOND)
        expected = [r[0] for r in conn.execute("SELECT seq FROM events WHERE target_id = 'a-3' ORDER BY seq DESC")]
    assert [leaf.seq for leaf in leaves] == expected
    assert [leaf.prev for leaf in leaves] == [leaf.index for leaf in leaves[1:]] + [records.NO_PREV]
    assert tree.missing_leaf(leaves) is None


@pytest.mark.parametrize("which", [0, 4, -1])  # the oldest, a middle and the newest event of a-3
def test_an_event_deleted_from_the_ledger_is_named_by_the_link_to_it(log: tuple[Settings, list[str]],
                                                                      which: int) -> None:
    settings, _ = log
    with tampered(settings) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM events WHERE target_id = 'a-3' ORDER BY seq")]
        (gone,) = conn.execute("SELECT idx FROM tree_leaves WHERE seq = %s", (seqs[which],)).fetchone()
        conn.execute("DELETE FROM events WHERE seq = %s", (seqs[which],))
        leaves = tree.subject_leaves(conn, "a-3", FIRST + 1 + SECOND)
    assert gone not in [leaf.index for leaf in leaves] and len(leaves) == len(seqs) - 1
    if which == -1:  # nothing newer links to the newest: a bundle's seal does (make_bundle checks from it)
        assert tree.missing_leaf(leaves) is None
    else:
        assert tree.missing_leaf(leaves) == gone


def test_consistency_between_the_two_signed_trees(log: tuple[Settings, list[str]]) -> None:
    settings, _ = log
    assert settings.checkpoint_export
    old, new = (note.open_checkpoint(n, ORIGIN, trusted(settings)) for n in exported(settings.checkpoint_export))
    with Ledger.from_settings(settings) as ledger:
        answer = evidence.prove_consistency(ledger, settings, old.size)
    assert (answer.old_size, answer.new_size, answer.old_root, answer.new_root) == (old.size, new.size, old.root,
                                                                                   new.root)
    assert ref_verify_consistency(old.size, new.size, old.root, new.root, list(answer.proof))


EDITS = {
    "edit": "UPDATE events SET reason = 'nothing to see' WHERE seq = {victim}",
    "delete middle": "DELETE FROM events WHERE seq = {victim}",
    "swap": "UPDATE events SET target_id = CASE WHEN seq = {victim} THEN 'a-5' ELSE 'a-3' END "
            "WHERE seq IN ({victim}, {other})",
}


@pytest.mark.parametrize("tampering", sorted(EDITS))
def test_tampering_fails_verify_and_the_proofs_it_touches(log: tuple[Settings, list[str]], tampering: str) -> None:
    settings, ids = log
    with tampered(settings) as conn:
        rows = conn.execute("SELECT seq, event_id::text FROM events WHERE target_id IN ('a-3', 'a-5') "
                            "ORDER BY seq").fetchall()
        victim, victim_id = rows[4]
        other = next(seq for seq, _ in rows if seq > victim)
        conn.execute(EDITS[tampering].format(victim=victim, other=other))
        report = check(settings, conn)
        assert not proof_holds(settings, conn, victim_id)
        untouched = [i for i in ids if i != victim_id and (tampering != "swap" or i not in dict(rows).values())]
        assert proof_holds(settings, conn, untouched[0])
    assert not report.ok
    assert report.tree is not None and report.tree.problems


def test_a_deleted_tail_fails_verify(log: tuple[Settings, list[str]]) -> None:
    settings, _ = log
    with tampered(settings) as conn:
        last = conn.execute("SELECT event_id::text FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        assert last is not None
        conn.execute("DELETE FROM events WHERE seq >= (SELECT seq FROM events ORDER BY seq DESC OFFSET 2 LIMIT 1)")
        report = check(settings, conn)
        assert not proof_holds(settings, conn, last[0])
    assert not report.ok
    assert report.tree is not None and any("missing" in p["problem"] or "larger" in p["problem"]
                                           for p in report.tree.problems)


def test_a_tree_rebuilt_by_the_tamperer_still_fails(log: tuple[Settings, list[str]]) -> None:
    """Editing a tile (or the tree's root) so it matches an edited ledger: the signed checkpoints
    still hold the old root."""
    settings, _ = log
    with tampered(settings, "UPDATE tree_tiles SET data = overlay(data PLACING '\\x00'::bytea FROM 1) "
                            "WHERE level = 0 AND n = 0") as conn:
        report = check(settings, conn)
    assert not report.ok
    assert report.tree is not None and any("tile" in p["problem"] for p in report.tree.problems)


def test_the_log_never_signs_a_tree_that_does_not_extend_the_last(log: tuple[Settings, list[str]]) -> None:
    settings, _ = log
    assert settings.signing_key
    key = load_private(settings.signing_key)
    grown = "INSERT INTO tree_heads (size, root) VALUES (1000, '\\x00')"  # a size no tile backs
    with tampered(settings, grown) as conn, pytest.raises(InconsistentTree):
        sign(conn, key, ORIGIN)
    with tampered(settings, "DELETE FROM tree_heads WHERE size > 16") as conn, pytest.raises(InconsistentTree):
        sign(conn, key, ORIGIN)


def test_cli_prove_and_vkey(log: tuple[Settings, list[str]], cli_env: dict[str, str]) -> None:
    settings, ids = log
    env = {**cli_env, "AUDITLOG_SIGNING_KEY": str(settings.signing_key),
           "AUDITLOG_CHECKPOINT_EXPORT": str(settings.checkpoint_export), "AUDITLOG_LOG_ORIGIN": ORIGIN,
           "AUDITLOG_TRUSTED_KEYS": str(settings.trusted_keys)}
    run = [sys.executable, "-m", "auditlog.investigate.cli"]
    vkey = subprocess.run([*run, "keys", "vkey"], env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert vkey == evidence.current_verifier(settings).vkey() and vkey.startswith(ORIGIN + "+")
    out = subprocess.run([*run, "prove", ids[0], "--json"], env=env, capture_output=True, text=True, check=True)
    proof = json.loads(out.stdout)
    assert set(proof) >= {"index", "tree_size", "entry", "record", "proof", "checkpoint"}
    note.open_checkpoint(proof["checkpoint"], ORIGIN, [note.parse_vkey(vkey)])
    missing = subprocess.run([*run, "prove", "00000000-0000-0000-0000-000000000000"], env=env, capture_output=True,
                             text=True)
    assert missing.returncode == 2 and "no event" in missing.stderr
    verified = subprocess.run([*run, "verify", "--json"], env=env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert json.loads(verified.stdout)["tree"]["checkpoints"] == 2


def _bundle(settings: Settings) -> tuple[dict, str]:  # type: ignore[type-arg]
    query = BundleQuery("a-3", at=(datetime(2017, 11, 2, 22, tzinfo=UTC), datetime(2017, 11, 3, tzinfo=UTC)))
    with Ledger.from_settings(settings) as ledger:
        made = make_bundle(ledger, settings, query)
    return made.document, evidence.current_verifier(settings).vkey()


def test_a_bundle_proves_every_event_of_its_account_offline(log: tuple[Settings, list[str]], cli_env: dict[str, str],
                                                            tmp_path: Path) -> None:
    settings, _ = log
    document, vkey = _bundle(settings)
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        expected = [r[0] for r in conn.execute("SELECT event_id::text FROM events WHERE target_id = 'a-3' "
                                               "ORDER BY seq")]
    checked = check_bundle(json.dumps(document), vkey)
    assert checked.ok, checked.problems
    assert [e.event.event_id for e in checked.events] == expected and checked.states_checked == 2
    # offline: the command with a database and a broker that do not exist
    path = tmp_path / "a-3.bundle.json"
    path.write_text(json.dumps(document))
    env = {**cli_env, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    run = [sys.executable, "-m", "auditlog.investigate.cli", "verify-bundle", str(path), "--vkey", vkey]
    done = subprocess.run(run, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    other = note.verifier(ORIGIN, Ed25519PrivateKey.generate().public_key()).vkey()
    refused = subprocess.run([*run[:-1], other], env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "no signature by a trusted key" in refused.stdout


def _changed(document: dict, change: str) -> dict:  # type: ignore[type-arg]
    doc = copy.deepcopy(document)
    if change == "an event left out":
        del doc["leaves"][len(doc["leaves"]) // 2]
    elif change == "the newest event left out":
        del doc["leaves"][0]
    elif change == "a record edited":
        record = bytearray(base64.b64decode(doc["leaves"][1]["record"]))
        record[-5] ^= 1
        doc["leaves"][1]["record"] = base64.b64encode(bytes(record)).decode()
    elif change == "a state edited":
        doc["states"][1]["state"]["status"] = "deleted"
    elif change == "another origin":
        doc["origin"] = "evil.example/log"
    return doc


@pytest.mark.parametrize("change", ["an event left out", "the newest event left out", "a record edited",
                                    "a state edited", "another origin"])
def test_a_changed_bundle_is_refused(log: tuple[Settings, list[str]], change: str) -> None:
    settings, _ = log
    document, vkey = _bundle(settings)
    checked = check_bundle(json.dumps(_changed(document, change)), vkey)
    assert not checked.ok and checked.problems


def _root_of_hashes(hashes: list[bytes]) -> bytes:
    """MTH over leaf hashes (RFC 6962 2.1, the split at the largest power of two below n)."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _root_of_hashes(hashes[:k]) + _root_of_hashes(hashes[k:])).digest()


def test_the_log_is_served_as_tlog_tiles(log: tuple[Settings, list[str]]) -> None:
    """Grows the log past one full tile first (so later tests see a bigger tree)."""
    settings, _ = log
    _append(settings, 256, 1000)
    TreeBuilder(settings).run(until_idle=True)
    vkey = note.parse_vkey(evidence.current_verifier(settings).vkey())
    with TestClient(create_app(settings)) as client:
        served = client.get("/log/checkpoint")
        assert served.status_code == 200
        checkpoint = note.open_checkpoint(served.text, ORIGIN, [vkey])
        size = checkpoint.size
        assert size > 256
        full = client.get("/log/tile/0/000")
        partial = client.get(f"/log/tile/0/001.p/{size - 256}")
        entries = client.get(f"/log/tile/entries/001.p/{size - 256}")
        assert (full.status_code, partial.status_code, entries.status_code) == (200, 200, 200)
        assert "immutable" in full.headers["cache-control"] and "immutable" not in partial.headers["cache-control"]
        hashes = [full.content[i:i + 32] for i in range(0, len(full.content), 32)]
        hashes += [partial.content[i:i + 32] for i in range(0, len(partial.content), 32)]
        assert _root_of_hashes(hashes) == checkpoint.root  # the tiles are the signed tree
        last = entries.content[-32:]
        assert entries.content[-34:-32] == b"\x00\x20" and merkle.leaf_hash(last) == hashes[-1]
        for bad in ("/log/tile/0/002", "/log/tile/0/x000/001", "/log/tile/9/000", "/log/tile/0/001.p/300",
                    "/log/tile/entries/..%2f..%2fetc", "/log/tile/"):
            answer = client.get(bad)
            assert answer.status_code == 404 and answer.text.strip(), bad


def test_after_a_key_rotation_old_and_new_checkpoints_verify_and_are_consistent(
        log: tuple[Settings, list[str]]) -> None:
    """Last in the module: it changes the key and grows the log."""
    settings, _ = log
    assert settings.checkpoint_export
    old_vkey = evidence.current_verifier(settings).vkey()
    rotated = evidence.rotate_keys(settings)
    assert rotated.old_vkey == old_vkey and rotated.new_vkey != old_vkey
    _append(settings, 5, FIRST + SECOND)
    built = TreeBuilder(settings).run(until_idle=True)
    assert built.checkpoints == 1
    notes = exported(settings.checkpoint_export)
    before = note.open_checkpoint(notes[-2], ORIGIN, [note.parse_vkey(old_vkey)])
    after = note.open_checkpoint(notes[-1], ORIGIN, [note.parse_vkey(rotated.new_vkey)])
    with pytest.raises(note.NoteError):
        note.open_checkpoint(notes[-1], ORIGIN, [note.parse_vkey(old_vkey)])
    with Ledger.from_settings(settings) as ledger:
        answer = evidence.prove_consistency(ledger, settings, before.size, after.size)
    assert ref_verify_consistency(before.size, after.size, before.root, after.root, list(answer.proof))
    with tampered(settings) as conn:
        report = check(settings, conn)
    assert report.ok, report.first_bad
    assert report.tree is not None and report.tree.checkpoints >= 4

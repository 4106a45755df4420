"""The tree builder's previous-leaf links on a real ledger, however it was run: from nothing,
restarted part-way (it loads every subject's last leaf in one scan), restarted with more subjects
than it keeps (it asks the ledger about each subject instead) and forgetting them as they outgrow
what it keeps. The expected links are worked out here from the stored leaves in index order, not
by the builder's code. Then a bundle of an account whose event left the ledger is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from auditlog.consumers import tree_builder
from auditlog.consumers.tree_builder import TreeBuilder
from auditlog.domain.errors import AuditError
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.bundle import BundleQuery, make_bundle
from auditlog.ledger import tree
from auditlog.ledger.append import Incoming, append_batch
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key
from auditlog.ledger.records import NO_PREV
from tests.factories import event

SUBJECTS = 7


def _append(settings: Settings, count: int, start: int) -> None:
    events = [event("account.update", target=f"s-{n % SUBJECTS}", reason=f"change {n}")
              for n in range(start, start + count)]
    incoming = [Incoming.of("direct", n % 2, start + n, e, e.event_id.encode(), b"test") for n, e in enumerate(events)]
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn, conn.transaction():
        append_batch(conn, "tests", incoming, [], {})


def _links(conn: psycopg.Connection) -> tuple[list[int], list[int]]:
    """The stored previous-leaf links, and the ones the stored subjects call for."""
    stored, expected, last = [], [], {}
    for idx, subject, prev in conn.execute("SELECT idx, subject, prev_idx FROM tree_leaves ORDER BY idx"):
        stored.append(prev)
        expected.append(last.get(subject, NO_PREV) if subject is not None else NO_PREV)
        if subject is not None:
            last[subject] = idx
    return stored, expected


def test_links_hold_across_restarts_and_forgetting(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    _append(settings, 30, 0)
    assert TreeBuilder(settings, batch=4).run(until_idle=True).size == 30
    _append(settings, 30, 30)
    monkeypatch.setattr(tree_builder, "_SUBJECTS_KEPT", 3)  # fewer than the 7 subjects: asks, and forgets often
    built = TreeBuilder(settings, batch=4).run(until_idle=True)
    assert (built.leaves, built.size) == (30, 60)
    _append(settings, 16, 60)
    monkeypatch.undo()
    assert TreeBuilder(settings, batch=5).run(until_idle=True).size == 76
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        stored, expected = _links(conn)
        assert stored == expected
        assert sum(1 for p in stored if p != NO_PREV) == 76 - SUBJECTS
        for n in range(SUBJECTS):
            leaves = tree.subject_leaves(conn, f"s-{n}", 76)
            seqs = [r[0] for r in conn.execute("SELECT seq FROM events WHERE target_id = %s ORDER BY seq DESC",
                                               (f"s-{n}",))]
            assert [leaf.seq for leaf in leaves] == seqs
            assert [leaf.prev for leaf in leaves] == [leaf.index for leaf in leaves[1:]] + [NO_PREV]
            assert tree.subject_leaves(conn, f"s-{n}", leaves[0].index) == leaves[1:]  # below a size: older only


def test_a_bundle_is_refused_when_an_event_of_its_account_left_the_ledger(settings: Settings,
                                                                        tmp_path: Path) -> None:
    """Runs after the test above, on its ledger: the newest event of s-2 deleted (as a superuser past
    the triggers, committed) leaves its leaf in the tree; the bundle's seal links to it."""
    init_key(tmp_path / "ledger.key")
    signed = replace(settings, signing_key=tmp_path / "ledger.key", checkpoint_export=tmp_path / "cp.jsonl")
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        conn.execute("SET session_replication_role = replica")
        (seq,) = conn.execute("SELECT max(seq) FROM events WHERE target_id = 's-2'").fetchone()
        (gone,) = conn.execute("SELECT idx FROM tree_leaves WHERE seq = %s", (seq,)).fetchone()
        conn.execute("DELETE FROM events WHERE seq = %s", (seq,))
    with Ledger.from_settings(signed) as ledger:
        make_bundle(ledger, signed, BundleQuery("s-3"))  # another account's bundle is still made
        with pytest.raises(AuditError, match=f"leaf {gone} of s-2 has no row in the ledger any more"):
            make_bundle(ledger, signed, BundleQuery("s-2"))

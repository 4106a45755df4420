"""Writing snapshots: an account's folded state every ``every`` events of its history.

Who writes them: the ``snapshots`` projection (``SnapshotsProjection``, run by ``auditlog
projections run``), which refreshes every account a page of the feed touched once it is due,
and ``auditlog snapshot`` (all accounts, or some) to backfill, both as the projector role;
the ledger writer does not, so ingest stays one COPY per batch. Snapshots have generations
(``ledger/projections.py``): readers use the live one, a rebuild fills the next. Readers
never depend on them being fresh: ``ledger.state.state_at`` bypasses any snapshot a
late event affects and folds the rest from the events themselves. A refresh also
deletes the snapshots late events made stale and rebuilds from the last good one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from auditlog.domain.account import SNAPSHOT_EVERY, AccountState, apply, state_from_plain, state_to_plain
from auditlog.domain.plain import from_plain
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Page
from auditlog.ledger.locks import INSERT_FENCE
from auditlog.ledger.sql import query


def watermark(conn: psycopg.Connection) -> int:
    """A seq such that every event with seq <= it is committed and visible, and every
    event committed later has a higher seq. Holds the insert fence only for the read."""
    with translated_errors():
        conn.execute("SELECT pg_advisory_lock(%s)", (INSERT_FENCE.key,))
        try:
            row = conn.execute(query("snapshot_watermark")).fetchone()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (INSERT_FENCE.key,))
    return int(row[0]) if row else 0


def live_generation(conn: psycopg.Connection) -> int:
    with translated_errors():
        row = conn.execute(query("live_generation"), {"name": "snapshots"}).fetchone()
    return int(row[0]) if row else 1


def refresh_snapshots(conn: psycopg.Connection, account: str, every: int = SNAPSHOT_EVERY,
                      generation: int | None = None) -> int:
    """Bring ``account``'s snapshots (in ``generation``, default the live one) up to date;
    return how many were written."""
    if every < 1:
        raise ValueError("every must be at least 1")
    if generation is None:
        generation = live_generation(conn)
    mark = watermark(conn)
    written = 0
    with translated_errors(), conn.transaction():
        conn.execute(query("delete_stale_snapshots"), {"account": account, "watermark": mark, "generation": generation})
        start = conn.execute(query("latest_snapshot"), {"account": account, "generation": generation}).fetchone()
        state = state_from_plain(start[3]) if start else AccountState(account)
        max_recorded: datetime | None = start[2] if start else None
        params = {"account": account, "watermark": mark,
                  "after_time": start[0] if start else None, "after_seq": start[1] if start else None}
        pending: list[dict[str, Any]] = []
        since = 0
        with conn.cursor(name="snapshot_events") as cur:
            cur.itersize = 2000
            for occurred_at, seq, recorded_at, payload in cur.execute(query("events_to_snapshot"), params):
                state = apply(state, from_plain(payload))
                max_recorded = recorded_at if max_recorded is None else max(max_recorded, recorded_at)
                since += 1
                if since == every:
                    pending.append({"generation": generation, "account": account, "occurred_at": occurred_at,
                                    "seq": seq, "watermark": mark, "max_recorded_at": max_recorded,
                                    "events": state.events_applied, "state": Jsonb(state_to_plain(state))})
                    since = 0
        if pending:
            with conn.cursor() as cur:
                cur.executemany(query("insert_snapshot"), pending)
            written = len(pending)
    return written


def accounts_to_snapshot(conn: psycopg.Connection, every: int = SNAPSHOT_EVERY) -> list[str]:
    """Every account with at least ``every`` events: the ones a snapshot helps."""
    with translated_errors():
        return [row[0] for row in conn.execute(query("accounts_to_snapshot"), {"every": every})]


class SnapshotsProjection:
    """The snapshots kept up to date from the feed: after each page, every account it touched
    that is due (``every`` events past its last snapshot, or a snapshot made stale by a late
    event) is refreshed. What is due is read from the ledger, not remembered, so a projector
    killed anywhere ends with the same snapshots: one every ``every`` events of each account's
    fold order."""

    name = "snapshots"

    def __init__(self, every: int = SNAPSHOT_EVERY) -> None:
        self.every = every

    def apply(self, conn: psycopg.Connection, generation: int, page: Page) -> int:
        accounts = sorted({event.target.id for _, event in page.events if event.target.type == "account"})
        if not accounts:
            return 0
        with translated_errors():
            due = [r[0] for r in conn.execute(query("snapshots_due"), {
                "accounts": accounts, "generation": generation, "every": self.every})]
        return sum(refresh_snapshots(conn, account, self.every, generation) for account in due)

    def clear(self, conn: psycopg.Connection, generation: int) -> None:
        with translated_errors():
            conn.execute(query("snapshots_clear"), {"generation": generation})

    def forget(self) -> None:
        pass

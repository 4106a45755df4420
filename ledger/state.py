"""State of an account at a time, on both clocks (see "Two clocks" in ARCHITECTURE.md).

``at`` bounds event time (``occurred_at``); ``known_at`` additionally bounds
ledger time (``recorded_at``), answering "what did we know then". This is plain
replay of the account's history; snapshots come later.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from domain.account import AccountState, fold
from ledger.db import translated_errors
from ledger.read import LedgerEvent, row_to_event
from ledger.sql import query


def history(
    conn: psycopg.Connection, target: str, at: datetime, known_at: datetime | None = None
) -> list[LedgerEvent]:
    params = {"target": target, "at": at, "known_at": known_at}
    with translated_errors():
        return [row_to_event(row) for row in conn.execute(query("events_for_target"), params)]


def state_at(
    conn: psycopg.Connection, account: str, at: datetime, known_at: datetime | None = None
) -> AccountState:
    return fold(account, (item.event for item in history(conn, account, at, known_at)))

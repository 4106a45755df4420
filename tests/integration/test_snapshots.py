"""Snapshot-based state equals full replay, on both clocks, whatever arrives late.

The stateful test drives the real ledger: batches of events with random event
times (so many arrive "late", behind snapshots already taken), snapshots at
random moments, and questions at random (at, known_at). The reference answer is
the pure fold of every event the model appended, filtered by the two clocks.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from auditlog.domain.account import AccountState, Status, fold
from auditlog.domain.model import AdminAction, Change
from auditlog.ledger.snapshots import refresh_snapshots, watermark
from auditlog.ledger.sql import query
from auditlog.ledger.state import state_at, state_by_replay
from tests.factories import append_events, event

BASE = datetime(2017, 11, 2, 22, 0, tzinfo=UTC)
ACTIONS = ["account.create", "account.deactivate", "account.reactivate", "account.suspend", "account.unsuspend",
           "account.protect", "account.unprotect", "account.verify", "account.update"]


@dataclass(frozen=True)
class Known:
    """An event as the model knows it: fold order is (occurred_at, order appended)."""

    order: int
    recorded_at: datetime
    event: AdminAction


def reference(account: str, known: list[Known], at: datetime, known_at: datetime | None) -> AccountState:
    chosen = [k for k in known if k.event.occurred_at <= at and (known_at is None or k.recorded_at <= known_at)]
    chosen.sort(key=lambda k: (k.event.occurred_at, k.order))
    return fold(account, (k.event for k in chosen))


class SnapshotsMatchReplay(RuleBasedStateMachine):
    def __init__(self, conn: psycopg.Connection) -> None:
        super().__init__()
        self.conn = conn
        self.account = f"acct-{uuid.uuid4().hex[:12]}"
        self.known: list[Known] = []
        self.recorded: list[datetime] = []

    @initialize()
    def created(self) -> None:
        self._append([("account.create", 0)])

    @rule(batch=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 40)), min_size=1, max_size=6))
    def append(self, batch: list[tuple[str, int]]) -> None:
        self._append(batch)

    @rule(every=st.integers(1, 4))
    def snapshot(self, every: int) -> None:
        refresh_snapshots(self.conn, self.account, every)

    @rule(minute=st.integers(-1, 42), second=st.sampled_from([0, 30]), clock=st.integers(-1, 30),
          nudge=st.sampled_from([-1, 0, 1]))
    def ask(self, minute: int, second: int, clock: int, nudge: int) -> None:
        at = BASE + timedelta(minutes=minute, seconds=second)
        known_at = None
        if clock >= 0 and self.recorded:  # just before, at or just after some batch was recorded
            known_at = self.recorded[clock % len(self.recorded)] + timedelta(microseconds=nudge)
        expected = reference(self.account, self.known, at, known_at)
        assert state_at(self.conn, self.account, at, known_at) == expected
        assert state_by_replay(self.conn, self.account, at, known_at) == expected

    @invariant()
    def now_and_as_known_now_agree(self) -> None:
        end = BASE + timedelta(hours=1)
        assert state_at(self.conn, self.account, end) == reference(self.account, self.known, end, None)

    def _append(self, batch: list[tuple[str, int]]) -> None:
        events = [event(action, self.account, BASE + timedelta(minutes=minute), actor=f"c-{n}",
                        changes=(Change("email", None, f"{n}@x"),) if action == "account.update" else ())
                  for n, (action, minute) in enumerate(batch)]
        append_events(self.conn, events)
        row = self.conn.execute("SELECT recorded_at FROM events WHERE event_id = %s",
                                (events[0].event_id,)).fetchone()
        assert row is not None
        self.recorded.append(row[0])
        base = len(self.known)  # taken once: the list grows while it is extended
        self.known.extend(Known(base + i, row[0], e) for i, e in enumerate(events))


def test_snapshot_answers_equal_full_replay_with_late_arrivals(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        run_state_machine_as_test(
            lambda: SnapshotsMatchReplay(conn),
            settings=settings(max_examples=100, stateful_step_count=30, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow]),
        )


def _nearest(conn: psycopg.Connection, account: str, at: datetime, known_at: datetime | None = None) -> object:
    row = conn.execute(query("nearest_snapshot"), {"account": account, "at": at, "known_at": known_at}).fetchone()
    return None if row is None else row[2]["events_applied"]


def test_a_late_event_bypasses_the_snapshots_it_precedes_and_a_refresh_replaces_them(database_url: str) -> None:
    account = "acct-late"
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, [event("account.create", account, BASE)] +
                      [event("account.update", account, BASE + timedelta(minutes=m)) for m in range(1, 10)])
        assert refresh_snapshots(conn, account, every=3) == 3
        before_late = datetime.now(UTC)
        at = BASE + timedelta(minutes=30)
        assert _nearest(conn, account, at) == 9
        time.sleep(0.01)
        append_events(conn, [event("account.deactivate", account, BASE + timedelta(minutes=4, seconds=30))])
        assert _nearest(conn, account, at) == 3  # the snapshots at 6 and 9 miss the late event
        assert _nearest(conn, account, at, known_at=before_late) == 9  # ...unless we ask what was known before it
        assert state_at(conn, account, at).status is Status.DEACTIVATED
        assert state_at(conn, account, at, before_late).status is Status.ACTIVE
        refresh_snapshots(conn, account, every=3)
        assert _nearest(conn, account, at) == 9
        count = conn.execute("SELECT count(*) FROM snapshots WHERE account = %s", (account,)).fetchone()
        assert count == (3,)  # the stale two were deleted, two rebuilt at new points


def test_the_watermark_waits_for_inserts_in_flight(database_url: str) -> None:
    with psycopg.connect(database_url) as writer, psycopg.connect(database_url, autocommit=True) as reader:
        writer.execute("SELECT 1")  # open a transaction: the append below becomes a savepoint in it
        append_events(writer, [event("account.create", "acct-fence", BASE)])
        seq = writer.execute("SELECT max(seq) FROM events").fetchone()
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(watermark(reader)))
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive() and not seen  # blocked by the uncommitted insert
        writer.commit()
        thread.join(timeout=10)
        assert seq is not None and seen == [seq[0]]


@pytest.mark.parametrize("every", [0, -1])
def test_refresh_refuses_a_silly_interval(database_url: str, every: int) -> None:
    with psycopg.connect(database_url) as conn, pytest.raises(ValueError):
        refresh_snapshots(conn, "acct", every)

"""State at a time: snapshots against full replay and the ``eventsourcing`` library.

For accounts with 1,000, 10,000 and 100,000 events, ``state_at`` at 1,000 random
event times, next to two baselines measured in the same run on the same history
and the same Postgres server: (a) ``state_by_replay`` (our fold over every event up
to T) and (b) ``eventsourcing`` 9.5.6 with its Postgres persistence,
``repository.get(id, version=v)`` without snapshots, v = the events up to T.
Baselines replay half the history on average, so they get fewer samples at the
larger sizes (``*_samples``). Targets (issue 5): p99 < 5 ms at every size, >= 20x
both baselines at 100,000 events. Figures only; nothing here asserts on time.
"""

from __future__ import annotations

import bisect
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from auditlog.domain.account import SNAPSHOT_EVERY
from auditlog.domain.model import Actor, AdminAction, Change, Target, new_event_id
from auditlog.ledger.append import Incoming, append_batch
from auditlog.ledger.snapshots import refresh_snapshots
from auditlog.ledger.state import state_at, state_by_replay
from bench._server import bench_database, eventsourcing_env
from bench._timing import latencies_ms, p50_p99
from bench.report import report

SIZES = (1_000, 10_000, 100_000)
QUERIES = 1_000
BASELINE_SAMPLES = {1_000: 1_000, 10_000: 200, 100_000: 20}
START = datetime(2015, 1, 1, tzinfo=UTC)
ACTIONS = ("account.suspend", "account.unsuspend", "account.deactivate", "account.reactivate",
           "account.protect", "account.unprotect", "account.verify", "account.update", "account.password_reset")
_STATUS = {"account.deactivate": "deactivated", "account.reactivate": "active",
           "account.suspend": "suspended", "account.unsuspend": "active"}


def history(account: str, size: int, rng: random.Random) -> list[AdminAction]:
    at = START
    events = []
    for n in range(size):
        at += timedelta(seconds=rng.randint(1, 600), microseconds=rng.randint(0, 999_999))
        action = "account.create" if n == 0 else rng.choice(ACTIONS)
        changes = (Change("email", None, f"{account}+{n}@mail.example"),) if action == "account.update" else ()
        events.append(AdminAction(new_event_id(), at, Actor(f"e-{rng.randint(1, 40)}", "employee", org="socialco"),
                                  action, Target("account", account, f"@{account}"), reason="bench",
                                  changes=changes))
    return events


def load(conn: psycopg.Connection, events: list[AdminAction], offset: int) -> None:
    for start in range(0, len(events), 10_000):
        chunk = events[start:start + 10_000]
        with conn.transaction():  # append_batch runs in its caller's transaction
            append_batch(conn, "bench", [Incoming.of("bench", 0, offset + start + i, e, e.event_id.encode(),
                                                     b"bench") for i, e in enumerate(chunk)], [], {})


class EsAccount(Aggregate):
    """The same account fold, as an ``eventsourcing`` aggregate."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.status = "active"
        self.protected = False
        self.verified = False
        self.email: str | None = None
        self.last_actor: str | None = None

    @event("Acted")
    def act(self, action: str, actor: str, at: str, email: str | None) -> None:
        self.status = _STATUS.get(action, self.status)
        if action in ("account.protect", "account.unprotect"):
            self.protected = action == "account.protect"
        if action in ("account.verify", "account.unverify"):
            self.verified = action == "account.verify"
        self.email = email or self.email
        self.last_actor = actor


class EsAccounts(Application):
    pass


def eventsourcing_app(url: str) -> EsAccounts:
    return EsAccounts(env=eventsourcing_env(url))


def es_load(app: EsAccounts, events: list[AdminAction]) -> Any:
    aggregate = EsAccount(events[0].target.id)
    for n, e in enumerate(events[1:], start=1):
        email = e.changes[0].new if e.changes else None
        aggregate.act(e.action, e.actor.id, e.occurred_at.isoformat(), email)
        if n % 5_000 == 0:
            app.save(aggregate)
    app.save(aggregate)
    return aggregate.id


def main() -> None:
    rng = random.Random(5)
    figures: dict[str, Any] = {"queries": QUERIES, "snapshot_every": SNAPSHOT_EVERY}
    with bench_database("state") as url, psycopg.connect(url, autocommit=True) as conn:
        app = eventsourcing_app(url)
        offset = 0
        for size in SIZES:
            account = f"acct-bench-{size}"
            events = history(account, size, rng)
            load(conn, events, offset)
            offset += size
            es_id = es_load(app, events)
            began = time.perf_counter()
            refresh_snapshots(conn, account)
            figures[f"{size}_snapshot_build_s"] = round(time.perf_counter() - began, 2)

            times = [e.occurred_at for e in events]
            span = (times[-1] - times[0]).total_seconds()
            ats = [times[0] + timedelta(seconds=rng.uniform(0, span)) for _ in range(QUERIES)]
            latencies_ms(lambda at: state_at(conn, account, at), ats[:50])  # noqa: B023  (warm-up, not counted)
            ours = latencies_ms(lambda at: state_at(conn, account, at), ats)  # noqa: B023
            few = ats[:BASELINE_SAMPLES[size]]
            replay = latencies_ms(lambda at: state_by_replay(conn, account, at), few)  # noqa: B023
            versions = [bisect.bisect_right(times, at) for at in few]
            es = latencies_ms(lambda v: app.repository.get(es_id, version=v), versions)  # noqa: B023
            check = app.repository.get(es_id, version=versions[0])
            assert check.status == state_at(conn, account, few[0]).status.value  # same history, same answer

            (o50, o99), (r50, r99), (e50, e99) = p50_p99(ours), p50_p99(replay), p50_p99(es)
            figures.update({
                f"{size}_state_at_p50_ms": o50, f"{size}_state_at_p99_ms": o99,
                f"{size}_replay_p50_ms": r50, f"{size}_replay_p99_ms": r99, f"{size}_replay_samples": len(few),
                f"{size}_eventsourcing_p50_ms": e50, f"{size}_eventsourcing_p99_ms": e99,
                f"{size}_speedup_vs_replay_p50": round(r50 / o50, 1),
                f"{size}_speedup_vs_eventsourcing_p50": round(e50 / o50, 1),
                f"{size}_speedup_vs_replay_p99": round(r99 / o99, 1),
                f"{size}_speedup_vs_eventsourcing_p99": round(e99 / o99, 1),
            })
            print(f"  ... {size} events done", flush=True)
        app.close()
    report("state", figures)


if __name__ == "__main__":
    main()

"""Detection: false alarms on the demo's ordinary day, the time from emit to a stored alert under
background load, and the backtest's speed, each beside a baseline measured in the same run.

1. False alarms: the pure judge (``domain/detection.py``) over the incident day
   (``producers/scenario.py``). Alerts on the incident's two events and on the culprit's other
   actions are the point; every other alert is counted as a false alarm, per 1,000 events.
2. Latency: a real stack (Postgres, broker, ``auditlog ingest`` and ``auditlog detect`` as
   processes). 1,000 events/s of ordinary background load, and every 200 ms a probe: a
   contractor deactivates a protected account without a ticket (rule protected-change). From the
   probe's send to its stored alert (``raised_at``), p50 and p99, beside the writer's own part
   (send to ``recorded_at``). Target: p99 < 1 s.
3. Backtest: the judge over a ledger of N rows (``AUDITLOG_BENCH_DETECT_ROWS``, 1,000,000), beside
   the feed read with every event decoded (what any consumer of events pays). Target: >= 50,000
   events/s. Last figures (shared 2-core box, other benchmarks beside it): 1,000,000 rows, 66,300
   events/s against 63,600 rows/s (1.04x; on a kept ledger of the same rows, 75,800 against 60,700,
   1.25x); 200,000 rows, 62,800-71,100 against 56,800-58,000 (1.08-1.25x). The warm-up folds
   79,000-89,000 events/s. Per event ~13 us of Python CPU, down from ~24: reading ~4, judging ~7
   (the garbage collector would add ~2 without ``fewer_collections``); Postgres fetches the next
   page on the other core meanwhile (``ledger/ahead.py``).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import psycopg

from auditlog.consumers.detector import backtest, warm
from auditlog.domain.detection import Judge, judge_all
from auditlog.domain.model import Actor, AdminAction, Change, Target
from auditlog.domain.rules_config import load_rules
from auditlog.domain.settings import Settings
from auditlog.ledger.gateway import Ledger
from auditlog.producers.producer import AuditProducer
from auditlog.producers.scenario import CULPRIT, build
from auditlog.producers.topics import ensure_topic
from bench._timing import p50_p99
from bench.feed import START_TIME, fill, read_feed
from bench.report import report

ROWS = int(os.environ.get("AUDITLOG_BENCH_DETECT_ROWS", "1000000"))
LOAD_PER_S = 1000
PROBES = int(os.environ.get("AUDITLOG_BENCH_DETECT_PROBES", "100"))
TOPIC = "bench-detect"


def false_alarms() -> dict[str, float | int]:
    scenario = build()
    incident = {e.event_id for e in scenario.events if e.occurred_at in (scenario.incident.deactivated_at,
                                                                          scenario.incident.restored_at)}
    by_rule: Counter[str] = Counter()
    culprit = point = 0
    for finding in judge_all(load_rules(None), scenario.events):
        if finding.event_id in incident:
            point += 1
        elif finding.actor_id == CULPRIT:
            culprit += 1
        else:
            by_rule[finding.rule] += 1
    events = len(scenario.events)
    figures: dict[str, float | int] = {
        "day_events": events, "incident_alerts": point, "culprit_other_alerts": culprit,
        "false_alarms": sum(by_rule.values()),
        "false_alarms_per_1000_events": round(1000 * sum(by_rule.values()) / events, 2)}
    figures |= {f"false_alarms[{rule}]": n for rule, n in sorted(by_rule.items())}
    return figures


_ACTIONS = (("account.update", 60), ("account.password_reset", 15), ("content.delete", 10),
            ("account.suspend", 5), ("account.unsuspend", 4), ("account.deactivate", 3), ("account.reactivate", 3))
_MIX = [name for name, weight in _ACTIONS for _ in range(weight)]


def varied(n: int, rng: random.Random) -> AdminAction:
    """A busier ledger than bench.feed's: 300 actors (a third contractors) on 20,000 accounts."""
    actor = rng.randrange(300)
    kind = "contractor" if actor % 3 == 0 else "employee"
    action = rng.choice(_MIX)
    target_type = "content" if action == "content.delete" else "account"
    return AdminAction(str(uuid.UUID(int=rng.getrandbits(128), version=4)), START_TIME + timedelta(milliseconds=n),
                       Actor(f"{kind[0]}-{actor:03d}", kind, org="vendor-b" if kind == "contractor" else "socialco"),
                       action, Target(target_type, f"{target_type[:4]}-{rng.randrange(20_000):05d}"),
                       reason="bench", ticket=None if rng.random() < 0.05 else f"SUP-{n}")


def backtest_speed(url: str) -> dict[str, float | int]:
    settings = Settings(database_url=url, bootstrap_servers=None)
    with Ledger(url) as ledger:
        started = time.perf_counter()
        fill(ledger, ROWS, random.Random(ROWS), make=varied)
        fill_s = time.perf_counter() - started
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE events")
        rows, read_s = read_feed(ledger, decode_events=True)
    result = backtest(settings, load_rules(None), datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))
    events = result.judged + result.folded
    rate = events / result.seconds
    baseline = rows / read_s
    with Ledger(url) as ledger:  # what a detector restarted on this ledger folds before judging again
        with ledger.reading() as unit:
            head = unit.feed_head().position
        assert head is not None
        started = time.perf_counter()
        warmed = warm(ledger, Judge(load_rules(None)), head)
        warm_s = time.perf_counter() - started
    return {"ledger_rows": ROWS, "fill_seconds": round(fill_s, 1),
            "feed_read_and_decode_rows_per_s (baseline)": round(baseline),
            "detector_start_warm_seconds": round(warm_s, 1),
            "detector_start_warm_events_per_s": round(warmed / warm_s),
            "backtest_events_per_s": round(rate), "backtest_to_baseline": round(rate / baseline, 2),
            "backtest_findings": len(result.findings), "target_backtest_events_per_s": 50_000}


def _probe_accounts(producer: AuditProducer, count: int) -> list[str]:
    accounts = [f"acct-vip-{n:04d}" for n in range(count)]
    admin = Actor("e-admin-01", "employee", org="socialco")
    now = datetime.now(UTC)
    for account in accounts:
        producer.emit(AdminAction(str(uuid.uuid4()), now, admin, "account.protect", Target("account", account),
                                  reason="newsworthy", ticket="SEC-1"))
    producer.flush()
    return accounts


def latency(url: str, bootstrap: str) -> dict[str, float | int]:
    env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "AUDITLOG_TOPIC": TOPIC,
           "AUDITLOG_GROUP": "bench-detect"}
    ensure_topic(bootstrap, TOPIC, 6)
    cli = [sys.executable, "-m", "auditlog.investigate.cli"]
    writer = subprocess.Popen([*cli, "ingest"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    detector = subprocess.Popen([*cli, "detect"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sent: dict[str, float] = {}
    stop = threading.Event()
    try:
        with AuditProducer(bootstrap, TOPIC) as producer:
            accounts = _probe_accounts(producer, PROBES)
            time.sleep(8)  # the writer joins its group, the detector warms
            load = threading.Thread(target=_background, args=(bootstrap, stop), daemon=True)
            load.start()
            culprit = Actor("c-probe-01", "contractor", org="vendor-b")
            for account in accounts:
                event = AdminAction(str(uuid.uuid4()), datetime.now(UTC), culprit, "account.deactivate",
                                    Target("account", account), reason="user report")
                sent[event.event_id] = time.time()
                producer.emit(event)
                producer.flush()
                time.sleep(0.2)
            stop.set()
            load.join()
        alerts, recorded = _wait_for_alerts(url, set(sent))
    finally:
        stop.set()
        for proc in (writer, detector):
            proc.terminate()
            proc.wait(30)
    to_alert = [(alerts[e] - sent[e]) * 1000 for e in alerts]
    to_ledger = [(recorded[e] - sent[e]) * 1000 for e in recorded]
    a50, a99 = p50_p99(to_alert)
    l50, l99 = p50_p99(to_ledger)
    return {"probes": len(sent), "probes_alerted": len(alerts), "background_events_per_s": LOAD_PER_S,
            "emit_to_ledger_p50_ms (baseline)": round(l50, 1), "emit_to_ledger_p99_ms (baseline)": round(l99, 1),
            "emit_to_alert_p50_ms": round(a50, 1), "emit_to_alert_p99_ms": round(a99, 1),
            "detection_share_of_p50": round((a50 - l50) / a50, 2), "target_p99_ms": 1000.0}


def _background(bootstrap: str, stop: threading.Event) -> None:
    """LOAD_PER_S ordinary events a second until ``stop``."""
    rng = random.Random(7)
    with AuditProducer(bootstrap, TOPIC) as producer:
        n = 0
        began = time.monotonic()
        while not stop.is_set():
            event = varied(n, rng)
            producer.emit(AdminAction(event.event_id, datetime.now(UTC), event.actor, event.action, event.target,
                                      reason=event.reason, ticket=event.ticket,
                                      changes=(Change("note", None, "bench"),) if n % 10 == 0 else ()))
            n += 1
            ahead = n / LOAD_PER_S - (time.monotonic() - began)
            if ahead > 0:
                time.sleep(ahead)


def _wait_for_alerts(url: str, event_ids: set[str]) -> tuple[dict[str, float], dict[str, float]]:
    deadline = time.monotonic() + 60
    with psycopg.connect(url) as conn:
        while True:
            rows = conn.execute(
                "SELECT a.event_id::text, extract(epoch FROM a.raised_at), extract(epoch FROM e.recorded_at) "
                "FROM alerts a JOIN events e ON e.seq = a.event_seq "
                "WHERE a.rule = 'protected-change' AND a.event_id = ANY(%s::uuid[])", (list(event_ids),)).fetchall()
            conn.rollback()
            if len(rows) >= len(event_ids) or time.monotonic() > deadline:
                return {r[0]: float(r[1]) for r in rows}, {r[0]: float(r[2]) for r in rows}
            time.sleep(0.5)


def main() -> None:
    from auditlog.devstack.stack import temporary_stack
    from auditlog.ledger.migrate import migrate

    figures = false_alarms()
    with temporary_stack("auditlog-bench-detect-", durable=False) as stack:
        admin_url = stack.postgres.url("postgres")
        for name in ("bench_detect_live", "bench_detect_backtest"):
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name}")
            with psycopg.connect(stack.postgres.url(name)) as conn:
                migrate(conn)
        figures |= latency(stack.postgres.url("bench_detect_live"), stack.bootstrap_servers)
        figures |= backtest_speed(stack.postgres.url("bench_detect_backtest"))
    report("detect", figures)


if __name__ == "__main__":
    main()

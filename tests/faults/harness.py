"""What the fault tests share: a steady producer, writer subprocesses, and the exactly-once check."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg

from auditlog.ledger.checkpoints import exported
from auditlog.ledger.keys import load_public
from auditlog.ledger.verify import verify
from auditlog.producers.producer import AuditProducer
from auditlog.producers.topics import ensure_topic
from auditlog.schemas.codec import encode
from tests.factories import event


@dataclass
class Run:
    """One fault scenario: its own topic and writer group in the module's ledger."""

    database_url: str
    bootstrap: str
    env: dict[str, str]
    workdir: Path
    topic: str = field(default_factory=lambda: f"fault-{uuid.uuid4().hex[:10]}")

    @property
    def group(self) -> str:
        return f"g-{self.topic}"

    def writer_env(self) -> dict[str, str]:
        return self.env | {"AUDITLOG_TOPIC": self.topic, "AUDITLOG_GROUP": self.group}

    def start_writer(self, *args: str) -> subprocess.Popen[bytes]:
        """``auditlog ingest`` in its own process, the way it runs in production."""
        log = (self.workdir / f"writer-{self.topic}.log").open("ab")
        # -X faulthandler: a writer that hangs can be made to print where (SIGABRT)
        return subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "auditlog.investigate.cli", "ingest", *args],
            env=self.writer_env(), cwd=self.workdir, stdout=log, stderr=log)

    def log_tail(self) -> str:
        path = self.workdir / f"writer-{self.topic}.log"
        keep = int(os.environ.get("AUDITLOG_LOG_TAIL", "3000"))  # more to debug a hang
        return path.read_text(errors="replace")[-keep:] if path.exists() else ""

    def log_ends(self) -> dict[int, int]:
        """One past the highest offset the ledger holds of each partition (events and rejected)."""
        with psycopg.connect(self.database_url) as conn:
            return dict(conn.execute(
                "SELECT partition, max(o) + 1 FROM (SELECT partition, kafka_offset o FROM events WHERE topic = %(t)s "
                "UNION ALL SELECT partition, kafka_offset FROM rejected WHERE topic = %(t)s) x GROUP BY partition",
                {"t": self.topic}).fetchall())

    def ledger_ids(self) -> set[str]:
        with psycopg.connect(self.database_url) as conn:
            return {r[0] for r in conn.execute("SELECT event_id::text FROM events WHERE topic = %s", (self.topic,))}

    def ledger_count(self) -> int:
        with psycopg.connect(self.database_url) as conn:
            row = conn.execute("SELECT count(*) FROM events WHERE topic = %s", (self.topic,)).fetchone()
        assert row is not None
        return int(row[0])


class Feeder(threading.Thread):
    """Emits valid events at a steady pace until stopped: the traffic a writer ingests
    while faults happen. ``produced`` maps event_id -> the exact bytes sent."""

    def __init__(self, run: Run, per_second: int = 2000, partitions: int = 3) -> None:
        super().__init__(daemon=True)
        self.run_ = run
        self.per_second = per_second
        self.produced: dict[str, bytes] = {}
        self.confirmed: frozenset[str] = frozenset()  # ids the broker acknowledged (after a flush)
        self.error: BaseException | None = None
        self._stop_event = threading.Event()
        ensure_topic(run.bootstrap, run.topic, partitions)

    def run(self) -> None:
        try:
            with AuditProducer(self.run_.bootstrap, self.run_.topic) as producer:
                n = 0
                while not self._stop_event.is_set():
                    started = time.monotonic()
                    for _ in range(self.per_second // 10):
                        e = event("account.update", target=f"acct-{n % 97}", reason=f"change {n}")
                        producer.send(e)
                        self.produced[e.event_id] = encode(e)
                        n += 1
                    producer.flush()
                    self.confirmed = frozenset(self.produced)  # one assignment: readers see old or new
                    time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
        except BaseException as exc:  # surfaced by finish(), in the test's thread
            self.error = exc

    def finish(self) -> dict[str, bytes]:
        self._stop_event.set()
        self.join(timeout=60)
        assert self.error is None, f"the producer failed: {self.error!r}"
        assert not self.is_alive(), "the producer did not stop"
        return self.produced


def wait_until(condition: Callable[[], bool], what: str, deadline_s: float = 120.0) -> None:
    """Poll ``condition``; fail naming ``what`` if it never holds (a generous deadline, not a timing test)."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def assert_exactly_once(run: Run, produced: dict[str, bytes], rejected: list[bytes | None] | None = None) -> None:
    """The ledger holds exactly ``produced`` (bytes included), offsets 0..n-1 per partition
    without a gap between events and rejections, the stored offsets are one past the
    last, and the whole ledger verifies against its signed checkpoints."""
    with psycopg.connect(run.database_url) as conn:
        rows = conn.execute("SELECT event_id::text, raw_value FROM events WHERE topic = %s", (run.topic,)).fetchall()
        stored = {event_id: bytes(raw) for event_id, raw in rows}
        assert len(rows) == len(stored)
        missing, extra = produced.keys() - stored.keys(), stored.keys() - produced.keys()
        assert not missing and not extra, f"{len(missing)} events missing, {len(extra)} unexpected"
        assert stored == produced, "stored bytes differ from the bytes produced"
        offsets: dict[int, list[int]] = {}
        for partition, offset in conn.execute(
            "SELECT partition, kafka_offset FROM events WHERE topic = %(t)s "
            "UNION ALL SELECT partition, kafka_offset FROM rejected WHERE topic = %(t)s", {"t": run.topic}
        ):
            offsets.setdefault(partition, []).append(offset)
        for partition, seen in offsets.items():
            assert sorted(seen) == list(range(len(seen))), f"partition {partition}: gaps or duplicates"
        next_offsets = dict(conn.execute(
            "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = %s AND topic = %s",
            (run.group, run.topic)).fetchall())
        assert next_offsets == {p: len(seen) for p, seen in offsets.items()}
        if rejected is not None:
            got = [None if raw is None else bytes(raw) for (raw,) in conn.execute(
                "SELECT raw_value FROM rejected WHERE topic = %s", (run.topic,))]
            assert sorted(got, key=repr) == sorted(rejected, key=repr), "rejected differs from the bad messages sent"
        key = Path(run.env["AUDITLOG_SIGNING_KEY"])
        report = verify(conn, public_key=load_public(key),
                        exported=exported(Path(run.env["AUDITLOG_CHECKPOINT_EXPORT"])))
    assert report.ok, report.first_bad
    assert report.checkpoints >= 1


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    return [child.pid for child in psutil.Process(pid).children()]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # a zombie has exited
    except psutil.NoSuchProcess:
        return False

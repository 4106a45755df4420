"""kill -9 of the ledger writer at random moments while events keep arriving, each kill
followed at once by ``ingest --until-idle``.

A killed member keeps its partitions in the group until its session times out (on the local
broker, about 11 s), and nothing it fetched is in the ledger. The ``--until-idle`` run at once
must not call the topic drained while those partitions hold unread messages: when it exits,
every event the broker had acknowledged before it started is in the ledger. At the end the
ledger holds exactly what was produced. ``AUDITLOG_FAULT_KILLS`` sets how many rounds (10 in
``make test``, more in ``make chaos``).
"""

from __future__ import annotations

import os
import random
import signal
import time

from tests.faults.harness import Feeder, Run, alive, assert_exactly_once, children_of, wait_until

KILLS = int(os.environ.get("AUDITLOG_FAULT_KILLS", "10"))


def test_kill_9_at_random_moments_then_until_idle_at_once_loses_and_repeats_nothing(run: Run) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    feeder = Feeder(run, per_second=600)
    feeder.start()
    try:
        for kill in range(KILLS):
            before = run.ledger_count()
            writer = run.start_writer()
            # kill while it is writing: after it committed something, mid-batch more often than not
            wait_until(lambda b=before, w=writer: run.ledger_count() > b or w.poll() is not None,  # type: ignore[misc]
                       f"writer {kill} (seed {seed}) appends something")
            assert writer.poll() is None, f"the writer exited by itself:\n{run.log_tail()}"
            time.sleep(rng.uniform(0.0, 0.8))
            decoders = children_of(writer.pid)
            assert decoders, "the writer runs its decoding in a child process"
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            acknowledged = feeder.confirmed
            at_once = run.start_writer("--until-idle")
            assert at_once.wait(timeout=180) == 0, f"round {kill} (seed {seed}):\n{run.log_tail()}"
            missing = acknowledged - run.ledger_ids()
            assert not missing, f"round {kill} (seed {seed}): --until-idle exited with {len(missing)} events unread"
            # nothing of a killed writer lives on: its decoder processes leave too
            wait_until(lambda d=decoders: not any(alive(p) for p in d),  # type: ignore[misc]
                       f"the decoder processes {decoders} of killed writer {kill} exit", deadline_s=10)
    finally:
        produced = feeder.finish()
    last = run.start_writer("--until-idle")
    assert last.wait(timeout=300) == 0, run.log_tail()
    assert_exactly_once(run, produced)

"""kill -9 of the ledger writer at random moments while events keep arriving.

``AUDITLOG_FAULT_KILLS`` sets how many kills (10 in ``make test``, more in ``make chaos``).
"""

from __future__ import annotations

import os
import random
import signal
import time

from tests.faults.harness import Feeder, Run, alive, assert_exactly_once, children_of, wait_until

KILLS = int(os.environ.get("AUDITLOG_FAULT_KILLS", "10"))


def test_kill_9_at_random_moments_loses_and_repeats_nothing(run: Run) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    # ~12 s per life: a new member waits for the killed one's session to time out
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
            # nothing of a killed writer lives on: its decoder processes leave too
            wait_until(lambda d=decoders: not any(alive(p) for p in d),  # type: ignore[misc]
                       f"the decoder processes {decoders} of killed writer {kill} exit", deadline_s=10)
    finally:
        produced = feeder.finish()
    last = run.start_writer("--until-idle")
    assert last.wait(timeout=300) == 0, run.log_tail()
    assert_exactly_once(run, produced)

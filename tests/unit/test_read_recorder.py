"""The API's read recorder, as logic: the hand-over between request threads (``record``) or an
event loop's tasks (``record_async``) and its own thread. (Real appends, concurrent callers, token
refusals and the chain: tests/integration/test_chained_concurrency.py.) The ledger here is a
stand-in whose unit of work records what it was given, fails, or waits: what is tested is the
recorder's waiting, not Postgres."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from auditlog.domain.errors import AuditError, ServiceUnavailable
from auditlog.investigate.usecases.access import ReadRecorder
from auditlog.ledger.access import Read, StoredRead
from auditlog.ledger.gateway import Ledger

READ = Read("tok_x", "investigator", "C-1", "GET /x", "{}", "127.0.0.1")


class _Unit:
    def __init__(self, ledger: _Ledger) -> None:
        self.ledger = ledger

    def record_reads(self, reads: Sequence[Read]) -> list[StoredRead]:
        self.ledger.batches.append(len(reads))
        if self.ledger.failure is not None:
            raise self.ledger.failure
        return [StoredRead(n, datetime.now(UTC), r.token_id, r.role, r.case_id, r.route, r.params, r.client)
                for n, r in enumerate(reads)]


class _Ledger:
    def __init__(self, failure: Exception | None = None, hold: threading.Event | None = None) -> None:
        self.failure, self.hold = failure, hold
        self.batches: list[int] = []
        self.entered = threading.Event()

    @contextmanager
    def recording(self) -> Iterator[_Unit]:
        self.entered.set()
        if self.hold is not None:
            self.hold.wait()
        yield _Unit(self)


def _recorder(ledger: _Ledger, **kwargs: Any) -> ReadRecorder:
    return ReadRecorder(cast(Ledger, ledger), **kwargs)


def _ask(recorder: ReadRecorder, how: str) -> StoredRead:
    """A read put on the record as a request thread does (``record``) or an event loop's task."""
    return recorder.record(READ) if how == "blocking" else asyncio.run(recorder.record_async(READ))


HOW = pytest.mark.parametrize("how", ["blocking", "awaited"])


@HOW
def test_a_read_is_answered_once_its_batch_is_recorded(how: str) -> None:
    ledger = _Ledger()
    recorder = _recorder(ledger)
    stored = _ask(recorder, how)
    recorder.close()
    assert (stored.case_id, ledger.batches) == ("C-1", [1])


def test_callers_waiting_together_share_a_batch() -> None:
    hold = threading.Event()
    ledger = _Ledger(hold=hold)
    recorder = _recorder(ledger)
    answers: list[StoredRead] = []

    def caller() -> None:
        answers.append(recorder.record(READ))

    first = threading.Thread(target=caller)
    first.start()
    assert ledger.entered.wait(5)  # the first read's batch is open, held
    rest = [threading.Thread(target=caller) for _ in range(5)]
    for t in rest:
        t.start()
    deadline = time.monotonic() + 5
    while recorder._waiting.qsize() < 5 and time.monotonic() < deadline:  # the others queue behind it
        time.sleep(0.01)
    hold.set()
    for t in [first, *rest]:
        t.join(5)
    recorder.close()
    assert len(answers) == 6 and ledger.batches == [1, 5]


@HOW
def test_every_caller_of_a_failed_batch_hears_why(how: str) -> None:
    recorder = _recorder(_Ledger(failure=AuditError("Postgres error: permission denied for table reads")))
    with pytest.raises(AuditError, match="permission denied"):
        _ask(recorder, how)
    recorder.close()


@HOW
def test_a_read_not_recorded_in_time_is_not_answered(how: str) -> None:
    hold = threading.Event()
    recorder = _recorder(_Ledger(hold=hold), wait_s=0.2)
    with pytest.raises(ServiceUnavailable, match="not put on the record within 0.2 s"):
        _ask(recorder, how)
    hold.set()
    recorder.close()


@HOW
def test_a_closed_recorder_refuses(how: str) -> None:
    recorder = _recorder(_Ledger())
    recorder.close()
    with pytest.raises(ServiceUnavailable, match="stopping"):
        _ask(recorder, how)


# -- awaited on an event loop (the API's state and who) ---------------------------------------


def test_awaiting_callers_share_a_batch_and_hold_no_thread() -> None:
    hold = threading.Event()
    ledger = _Ledger(hold=hold)
    recorder = _recorder(ledger)
    threads_before = threading.active_count()

    async def callers() -> list[StoredRead]:
        first = asyncio.create_task(recorder.record_async(READ))
        while not ledger.entered.is_set():  # the first read's batch is open, held
            await asyncio.sleep(0.01)
        rest = [asyncio.create_task(recorder.record_async(READ)) for _ in range(5)]
        while recorder._waiting.qsize() < 5:
            await asyncio.sleep(0.01)
        assert threading.active_count() == threads_before  # six callers wait, no thread each
        hold.set()
        return list(await asyncio.gather(first, *rest))

    answers = asyncio.run(asyncio.wait_for(callers(), 5))
    recorder.close()
    assert len(answers) == 6 and ledger.batches == [1, 5]


def test_a_caller_that_stopped_waiting_does_not_stop_the_recorder() -> None:
    hold = threading.Event()
    ledger = _Ledger(hold=hold)
    recorder = _recorder(ledger, wait_s=0.2)
    with pytest.raises(ServiceUnavailable):  # its future is cancelled while its batch is held
        asyncio.run(recorder.record_async(READ))
    hold.set()
    ledger.hold = None
    stored = recorder.record(READ)  # the recorder's thread is still there to record the next read
    recorder.close()
    assert stored.case_id == "C-1" and ledger.batches == [1, 1]

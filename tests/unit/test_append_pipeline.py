"""The writer's append threads: order per lane, waiting, and what a failure does to the batches behind it."""

from __future__ import annotations

import threading

import pytest

from auditlog.consumers.append_pipeline import AppendPipeline


def test_batches_are_appended_in_order_on_another_thread() -> None:
    seen: list[tuple[int, str]] = []
    pipeline: AppendPipeline[int] = AppendPipeline(
        lambda lane, b: seen.append((b, threading.current_thread().name)), lanes=2)
    for batch in range(20):
        pipeline.submit(batch, lane=batch % 2)
    pipeline.wait()
    assert len(seen) == 20
    assert [b for b, name in seen if name == "ledger-append-0"] == list(range(0, 20, 2))
    assert [b for b, name in seen if name == "ledger-append-1"] == list(range(1, 20, 2))
    assert pipeline.failure() is None
    pipeline.close()


def test_a_failure_drops_the_batches_behind_it_until_the_owner_takes_it() -> None:
    appended: list[int] = []
    release = threading.Event()

    def append(lane: int, batch: int) -> None:
        if batch == 0:
            release.wait(5)  # hold the thread so 1 and 2 queue behind the failure
        if batch == 1:
            raise ConnectionError("postgres went away")
        appended.append(batch)

    pipeline: AppendPipeline[int] = AppendPipeline(append, depth=2)
    pipeline.submit(0)
    pipeline.submit(1)
    pipeline.submit(2)
    release.set()
    pipeline.wait()
    assert pipeline.failed
    failure = pipeline.failure()
    assert isinstance(failure, ConnectionError)
    assert appended == [0], "batch 2 came after the failed one and must be re-read, not appended"
    assert not pipeline.failed and pipeline.failure() is None
    pipeline.submit(3)  # appending resumes once the failure is taken
    pipeline.close()
    assert appended == [0, 3]


def test_close_appends_what_is_queued() -> None:
    appended: list[int] = []
    pipeline: AppendPipeline[int] = AppendPipeline(lambda lane, b: appended.append(b), depth=5)
    for batch in range(5):
        pipeline.submit(batch)
    pipeline.close()
    assert appended == list(range(5))


def test_a_failing_append_does_not_kill_the_thread() -> None:
    pipeline: AppendPipeline[int] = AppendPipeline(lambda lane, b: 1 // b)
    pipeline.submit(0)
    pipeline.wait()
    with pytest.raises(ZeroDivisionError):
        raise pipeline.failure()  # type: ignore[misc]
    pipeline.submit(1)
    pipeline.wait()
    assert pipeline.failure() is None
    pipeline.close()


def test_a_failure_in_one_lane_stops_the_others_too() -> None:
    appended: list[int] = []
    failed = threading.Event()

    def append(lane: int, batch: int) -> None:
        if lane == 0:
            failed.set()
            raise ConnectionError("lane 0 lost its connection")
        failed.wait(5)  # lane 1 appends only after lane 0 failed
        appended.append(batch)

    pipeline: AppendPipeline[int] = AppendPipeline(append, lanes=2, depth=3)
    pipeline.submit(0, lane=0)
    for batch in (1, 3, 5):
        pipeline.submit(batch, lane=1)
    pipeline.wait()
    assert isinstance(pipeline.failure(), ConnectionError)
    assert appended == [] or appended == [1], "at most the batch already under way in lane 1"
    pipeline.close()

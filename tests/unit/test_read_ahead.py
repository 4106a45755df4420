"""``ledger/read_ahead.py``: pages read on a thread come out in order, whole; an error of the read
reaches the caller after the rows before it; a caller that stops early ends the read on the
reader's thread and waits for it."""

from __future__ import annotations

import threading
from collections.abc import Generator

import pytest

from auditlog.ledger.read_ahead import read_ahead


def _pages(count: int, size: int, log: list[str], fail_after: int | None = None) -> Generator[list[int], None, None]:
    try:
        for page in range(count):
            if fail_after is not None and page == fail_after:
                raise RuntimeError("the read broke")
            log.append(threading.current_thread().name)
            yield list(range(page * size, (page + 1) * size))
    finally:
        log.append("closed")


def test_every_row_comes_out_once_in_order_and_the_read_is_closed() -> None:
    log: list[str] = []
    assert list(read_ahead(_pages(50, 7, log))) == list(range(350))
    assert log[-1] == "closed"
    assert set(log[:-1]) == {"read-ahead"}, "the pages are fetched on the reader's thread"


def test_an_error_of_the_read_reaches_the_caller_after_the_rows_before_it() -> None:
    rows: list[int] = []
    with pytest.raises(RuntimeError, match="the read broke"):
        rows.extend(read_ahead(_pages(10, 3, [], fail_after=4)))
    assert rows == list(range(12))


def test_a_caller_that_stops_early_ends_the_read_before_going_on() -> None:
    log: list[str] = []
    rows = read_ahead(_pages(1000, 5, log), depth=2)
    assert [next(rows) for _ in range(6)] == list(range(6))
    rows.close()  # the caller leaves the loop (an error, Ctrl-C)
    assert log[-1] == "closed", "the read is closed by the time close() returns"
    assert len(log) - 1 < 10, "the reader stopped a few pages ahead, not at the end"

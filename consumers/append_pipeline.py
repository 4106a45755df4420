"""Append batches on threads of their own, so polling and decoding the next batch
overlaps the COPY and commit of the last ones.

The writer's Python work (fetching, decoding, hashing) and Postgres' work (COPY,
index upkeep, the commit's WAL flush) overlap only if neither waits for the other;
this is that overlap. Each of ``lanes`` threads appends the batches submitted to
its lane in order, holding at most ``depth`` waiting besides the one it appends;
the writer gives each lane its own partitions and connection, so while one lane's
commit waits for its flush, another lane's COPY goes on. The first failure in any
lane stops every append after it: the batches behind a failed one are dropped
unwritten, since the writer must re-read them from the offsets the ledger holds,
and the owner learns of it from ``failure()`` once it has ``wait``-ed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Batch = TypeVar("Batch")

_CLOSE = object()


class AppendPipeline(Generic[Batch]):
    def __init__(self, append: Callable[[int, Batch], None], lanes: int = 1, depth: int = 1) -> None:
        self._append = append
        self._queues: list[queue.Queue[object]] = [queue.Queue(maxsize=depth) for _ in range(lanes)]
        self._failure: BaseException | None = None
        self._threads = [threading.Thread(target=self._run, args=(lane,), name=f"ledger-append-{lane}", daemon=True)
                         for lane in range(lanes)]
        for thread in self._threads:
            thread.start()

    @property
    def lanes(self) -> int:
        return len(self._queues)

    def submit(self, batch: Batch, lane: int = 0) -> None:
        """Queue a batch on ``lane``; blocks while ``depth`` batches already wait there."""
        self._queues[lane].put(batch)

    def wait(self) -> None:
        """Return once every submitted batch is appended or dropped."""
        for q in self._queues:
            q.join()

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def failure(self) -> BaseException | None:
        """After ``wait``: the error that stopped appends, if any, and resume appending."""
        failure, self._failure = self._failure, None
        return failure

    def close(self) -> None:
        """Append what is queued, then stop the threads."""
        for q in self._queues:
            q.put(_CLOSE)
        for thread in self._threads:
            thread.join()

    def _run(self, lane: int) -> None:
        q = self._queues[lane]
        while True:
            batch = q.get()
            try:
                if batch is _CLOSE:
                    return
                if self._failure is None:
                    self._append(lane, batch)  # type: ignore[arg-type]
            except BaseException as exc:  # handed to the owner thread, which decides
                if self._failure is None:
                    self._failure = exc
            finally:
                q.task_done()

"""Append batches on a thread of their own, so polling and decoding the next batch
overlaps the COPY and commit of the last one.

The writer's Python work (fetching, decoding, hashing) and Postgres' work (COPY,
index upkeep, the commit's fsync) run on different cores only if neither waits for
the other; this is that overlap. It holds at most ``depth`` batches besides the one
being appended. The first failure stops every append after it: the batches behind a
failed one are dropped unwritten, since the writer must re-read them from the offsets
the ledger holds, and the owner learns of it from ``failure()`` once it has ``wait``-ed.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Batch = TypeVar("Batch")

_CLOSE = object()


class AppendPipeline(Generic[Batch]):
    def __init__(self, append: Callable[[Batch], None], depth: int = 1) -> None:
        self._append = append
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ledger-append", daemon=True)
        self._thread.start()

    def submit(self, batch: Batch) -> None:
        """Queue a batch; blocks while ``depth`` batches already wait."""
        self._queue.put(batch)

    def wait(self) -> None:
        """Return once every submitted batch is appended or dropped."""
        self._queue.join()

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def failure(self) -> BaseException | None:
        """After ``wait``: the error that stopped appends, if any, and resume appending."""
        failure, self._failure = self._failure, None
        return failure

    def close(self) -> None:
        """Append what is queued, then stop the thread."""
        self._queue.put(_CLOSE)
        self._thread.join()

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is _CLOSE:
                    return
                if self._failure is None:
                    self._append(batch)  # type: ignore[arg-type]
            except BaseException as exc:  # handed to the owner thread, which decides
                self._failure = exc
            finally:
                self._queue.task_done()

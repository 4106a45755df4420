"""``ahead``: pages of a long read fetched by a thread while the caller works on the last one.

A long read over a server-side cursor is a ping-pong: Postgres works (on its own core) while
Python waits for the page, then Python works while Postgres waits for the next FETCH. A thread
that asks for page N+1 as soon as page N is handed over lets both work at once: psycopg lets
go of the GIL while it waits on the network. The thread only fetches; the caller keeps
everything else. A connection serializes its own operations, so the caller may run other
queries on it meanwhile (in the same transaction); they wait for a FETCH under way.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_PUT_WAIT_S = 0.1  # how often a thread with a page to hand over looks whether it is still wanted


@contextmanager
def ahead(fetch: Callable[[], Sequence[T]], depth: int = 2) -> Iterator[Iterator[Sequence[T]]]:
    """The pages ``fetch`` returns, up to the first empty one, each fetched while the one before
    is worked on (at most ``depth`` waiting). An error of ``fetch`` is raised to the caller at the
    page it would have given; leaving the block early stops the thread and waits for it."""
    pages: queue.Queue[Sequence[T] | BaseException] = queue.Queue(depth)
    stop = threading.Event()

    def hand_over(item: Sequence[T] | BaseException) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=_PUT_WAIT_S)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while hand_over(page := fetch()) and page:
                pass
        except BaseException as exc:  # raised to the caller, in its thread
            hand_over(exc)

    def taken() -> Iterator[Sequence[T]]:
        while True:
            item = pages.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item

    thread = threading.Thread(target=work, name="ledger-ahead", daemon=True)
    thread.start()
    try:
        yield taken()
    finally:
        stop.set()
        thread.join()

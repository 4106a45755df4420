"""Rows of a streamed read, the next page fetched on a thread while the caller works on this one.

A long read (a replay, a backtest) otherwise alternates: Python waits while Postgres finds and
sends a page, then Postgres idles while Python works through it. Postgres runs in its own process
and psycopg lets go of the GIL while it waits on the socket, so fetching one page ahead overlaps
the two on a 2-core box. Only the thread touches the connection until the pages are done or the
caller stops reading (then the thread finishes its page and closes the read, and the caller waits
for it), so the connection is never used from two threads at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def read_ahead(pages: Generator[list[T], None, None], depth: int = 2) -> Iterator[T]:
    """The rows of ``pages`` in order; at most ``depth`` pages wait fetched. An error of the read
    is raised to the caller where the rows run out."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not hand_over(page):
                    return
            hand_over(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            hand_over(exc)
        finally:
            pages.close()  # the read's cursor and its error translation end on this thread

    reader = threading.Thread(target=fetch, name="read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()

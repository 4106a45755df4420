"""Decoding on a core of its own: message values in, ledger columns (or why not) out.

Decoding is most of the writer's Python work: Avro, validation, the payload's JSON,
the chain record's tail. In the writer's own process it would share one core (one
GIL) with fetching and appending, while the machine's other core sat idle. A
``Decoder`` runs ``prepare`` in ``workers`` child processes, results in submission
order; with 0 workers it runs it in the caller's process (tests, small machines).
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from auditlog.consumers import collector
from auditlog.domain.errors import DecodeError, InvalidEvent
from auditlog.ledger.append import EventColumns, event_columns
from auditlog.schemas.codec import decode


def prepare(topic: str, values: Sequence[bytes | None]) -> list[EventColumns | str]:
    """For each message value of ``topic``: the columns the ledger stores, or the
    one-line reason it cannot be accepted."""
    prepared: list[EventColumns | str] = []
    for value in values:
        try:
            if value is None:
                raise DecodeError("empty message (no value)")
            decoded = decode(value)
            decoded.event.validate(strict=False)  # a newer writer's action is still evidence
        except (DecodeError, InvalidEvent) as exc:
            prepared.append(exc.reason)
            continue
        prepared.append(event_columns(decoded.event, topic, value, decoded.fingerprint))
    return prepared


class Decoder:
    def __init__(self, workers: int = 1) -> None:
        # spawn, not fork: the writer already runs threads (kafka-python's, the append thread)
        self._pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                                         initializer=_serve_the_writer) if workers else None

    def submit(self, topic: str, values: Sequence[bytes | None]) -> Future[list[EventColumns | str]]:
        if self._pool is not None:
            return self._pool.submit(prepare, topic, values)
        done: Future[list[EventColumns | str]] = Future()
        try:
            done.set_result(prepare(topic, values))
        except BaseException as exc:  # handed over through the future, as a worker's would be
            done.set_exception(exc)
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _serve_the_writer() -> None:
    """In each worker: live and die with the writer, and collect garbage as it does."""
    gc.set_threshold(*collector.THRESHOLDS)  # for the worker's whole life
    # Ctrl-C and SIGTERM reach the whole process group; the writer finishes its batch
    # and then closes the pool, which a worker killed mid-batch would break.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A writer killed outright (kill -9, OOM) cannot close the pool, and an idle worker
    # waits on its queue for ever; so each worker leaves once its parent is gone.
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)

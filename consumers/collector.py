"""How often the writer's and the projector's processes, and the detector's long reads, run
Python's cyclic garbage collector.

The writer and its decoders allocate a dozen objects per event, nearly none of them
in cycles. At the default gen-0 threshold of 700 the collector ran every few dozen
events and took about a sixth of their time; these thresholds make it run far less.
The detector's backtest and warm-up are alike: the collector's passes over the judge's
states and each fetched page of rows were a sixth of a backtest's time.

A projector catching up holds a page of 50,000 decoded events (and the next one, read ahead)
while it folds them, and every collection walks them again: on 200,000 rows, 2.3-3.0 of its
7.2-9.1 CPU-seconds at a threshold of 700, 1.2-1.3 s at 100,000, under 0.1 s paused. Its pages
make no cycles at all (``gc.collect()`` after catching up on 200,000 rows found none; a test holds
it), so it pauses the collector while it catches up.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (100_000, 50, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect less often inside the block; as before after it (the process may go on)."""
    before = gc.get_threshold()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; as before after it (objects made inside that hold
    cycles are collected then)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

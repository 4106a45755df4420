"""How often the writer's processes, and the detector's long reads, run Python's cyclic
garbage collector.

The writer and its decoders allocate a dozen objects per event, nearly none of them
in cycles. At the default gen-0 threshold of 700 the collector ran every few dozen
events and took about a sixth of their time; these thresholds make it run far less.
The detector's backtest and warm-up are alike: the collector's passes over the judge's
states and each fetched page of rows were a sixth of a backtest's time.
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

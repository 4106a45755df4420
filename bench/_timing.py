"""Latency figures: run a call per input, return percentiles in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def latencies_ms(call: Callable[[T], object], inputs: Sequence[T]) -> list[float]:
    times = []
    for item in inputs:
        start = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def pct(times: Sequence[float], q: int) -> float:
    """The q-th percentile (nearest rank), in the unit given."""
    ordered = sorted(times)
    return round(ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))], 3)


def p50_p99(times: Sequence[float]) -> tuple[float, float]:
    return round(statistics.median(times), 3), pct(times, 99)

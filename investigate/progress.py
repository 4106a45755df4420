"""A plain progress bar on stderr (only when stderr is a terminal, so logs stay clean)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int | None, out: TextIO = sys.stderr) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.out = out
        self.enabled = out.isatty()
        self._last_draw = 0.0
        self._started = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self._last_draw > 0.1 or self.done == self.total):
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        rate = self.done / max(time.monotonic() - self._started, 1e-6)
        if self.total:
            filled = int(30 * self.done / self.total)
            bar = "#" * filled + "." * (30 - filled)
            text = f"\r{self.label} [{bar}] {self.done}/{self.total} ({rate:,.0f}/s)"
        else:
            text = f"\r{self.label} {self.done} ({rate:,.0f}/s)"
        self.out.write(text)
        self.out.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.enabled:
            self._draw()
            self.out.write("\n")
            self.out.flush()

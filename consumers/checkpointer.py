"""When the writer signs a checkpoint of the chain heads: every ``every`` new events or
``seconds`` after the last one (if there are new events), and once more when it stops.

The append lanes only count what they appended (``note``, a counter behind a small lock);
the signing itself happens on the writer's loop thread (``maybe_sign``), on its own
connection, so no lane waits for a signature and no lock is held while one is made.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from auditlog.consumers.runner import NO_METRICS, Metrics
from auditlog.domain.errors import ServiceUnavailable
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import load_private

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, ledger: Ledger, key_path: Path | None, export: Path | None, *, every: int,
                 seconds: float, metrics: Metrics = NO_METRICS) -> None:
        # a bad key fails when the writer starts, not at its first checkpoint
        self._key = load_private(key_path) if key_path is not None else None
        self._ledger = ledger
        self._export = export
        self._every = every
        self._seconds = seconds
        self._metrics = metrics
        self._unsigned = 0
        self._signed_at = time.monotonic()
        self._count = threading.Lock()
        self.signed = 0

    def note(self, appended: int) -> None:
        """Count events a lane appended (any thread)."""
        with self._count:
            self._unsigned += appended

    def due(self) -> bool:
        with self._count:
            unsigned = self._unsigned
        return self._key is not None and unsigned > 0 and (
            unsigned >= self._every or time.monotonic() - self._signed_at >= self._seconds)

    def maybe_sign(self) -> None:
        if self.due():
            self.sign()

    def sign(self) -> None:
        """Sign now if there is anything new (the writer's loop thread only)."""
        if self._key is None:
            return
        with self._count:
            covered, self._unsigned = self._unsigned, 0
        if not covered:
            return
        try:
            self._ledger.checkpoint(self._key, self._export)
        except (ServiceUnavailable, OSError) as exc:
            # the rows are committed and chained; the next checkpoint will cover them
            log.warning("checkpoint postponed: %s", exc)
            self.note(covered)
            return
        self.signed += 1
        self._signed_at = time.monotonic()
        self._metrics.count("checkpoints_signed_total")

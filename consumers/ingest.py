"""``ingest``: the ledger writer under the runner, as ``auditlog ingest``, the demo and the
tests run it (the topic is created first if it is missing)."""

from __future__ import annotations

from collections.abc import Callable

from auditlog.consumers.lanes import Tally
from auditlog.consumers.ledger_writer import LedgerWriter, WriterConfig
from auditlog.consumers.runner import NO_METRICS, Metrics, Runner
from auditlog.domain.settings import Settings
from auditlog.producers.topics import ensure_topic


def ingest(settings: Settings, *, until_idle: bool = False, decoders: int = 1, metrics: Metrics = NO_METRICS,
           on_batch: Callable[[Tally], None] | None = None) -> Tally:
    """Run the writer until stopped (SIGTERM, Ctrl-C) or, with ``until_idle``, until every
    partition of the topic is in the ledger up to its log end."""
    ensure_topic(settings.require_broker(), settings.topic, settings.partitions)
    writer = LedgerWriter(WriterConfig(settings, decoders=decoders), metrics=metrics, on_batch=on_batch)
    return Runner(writer).run(until_idle)

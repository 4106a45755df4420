"""``ingest``: the ledger writer under the runner, as ``auditlog ingest``, the demo and the
tests run it (the topic is created first if it is missing), with its metrics served when asked."""

from __future__ import annotations

from collections.abc import Callable

from auditlog.consumers import service
from auditlog.consumers.lanes import Tally
from auditlog.consumers.ledger_writer import LedgerWriter, WriterConfig
from auditlog.consumers.metrics import MetricsServer, PrometheusMetrics
from auditlog.consumers.runner import NO_METRICS, Metrics, Runner
from auditlog.domain.settings import Settings
from auditlog.producers.topics import ensure_topic


def ingest(settings: Settings, *, until_idle: bool = False, decoders: int = 1, metrics: Metrics = NO_METRICS,
           on_batch: Callable[[Tally], None] | None = None, serving: service.Serving | None = None,
           on_serving: Callable[[MetricsServer], None] | None = None) -> Tally:
    """Run the writer until stopped (SIGTERM, Ctrl-C) or, with ``until_idle``, until every
    partition of the topic is in the ledger up to its log end. With ``serving``: Prometheus
    metrics, /healthz and /readyz on that port meanwhile."""
    ensure_topic(settings.require_broker(), settings.topic, settings.partitions)
    if serving is None:
        writer = LedgerWriter(WriterConfig(settings, decoders=decoders), metrics=metrics, on_batch=on_batch)
        return Runner(writer).run(until_idle)
    exported = PrometheusMetrics()
    writer = LedgerWriter(WriterConfig(settings, decoders=decoders), metrics=exported, on_batch=on_batch)
    bound = settings.ready_lag_messages
    tally: Tally = service.run(writer, settings, serving, exported, until_idle=until_idle, watch_topic=True,
                               readiness=lambda probe: probe.topic_within(bound), on_serving=on_serving)
    return tally

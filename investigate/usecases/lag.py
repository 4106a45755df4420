"""``lag``: how far behind the ledger writer is (against the broker's log ends, proven by Fetch)
and each feed consumer is (against the ledger feed's head), told truthfully; the API (issue 11)
serves the same answer."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.consumers import lag
from auditlog.domain.settings import Settings
from auditlog.ledger.gateway import Ledger
from auditlog.producers.broker_log import ONE_SHOT_MS, BrokerLog


@dataclass(frozen=True)
class LagQuery:
    topic: str
    group: str


def measure_lag(ledger: Ledger, broker: BrokerLog, query: LagQuery) -> lag.Lag:
    return lag.measure(ledger, broker, query.topic, query.group)


def lag_now(settings: Settings) -> lag.Lag:
    """Open the ledger and the broker, measure, close."""
    with Ledger.from_settings(settings) as ledger, \
            BrokerLog(settings.require_broker(), client_id="auditlog-lag", bootstrap_timeout_ms=ONE_SHOT_MS) as broker:
        return measure_lag(ledger, broker, LagQuery(settings.topic, settings.group))

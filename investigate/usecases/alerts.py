"""Detection as investigators and on-call engineers ask for it: the alerts (filtered), an
acknowledgement, what the rules would have raised over history (backtest), and the detector."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from auditlog.consumers.detector import Backtest
from auditlog.domain.access import UNLIMITED, Scope
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger.alerts import Ack, AlertFilter, Pending, StoredAlert
from auditlog.ledger.gateway import Ledger

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class AlertsQuery:
    target: str | None = None
    actor: str | None = None
    rule: str | None = None
    severity: str | None = None  # this one and those above it
    start: datetime | None = None
    end: datetime | None = None
    limit: int = 1000
    scope: Scope = UNLIMITED  # a token's (the API); the CLI reads unscoped


@dataclass(frozen=True)
class AlertsPage:
    alerts: tuple[StoredAlert, ...]
    outbox: tuple[Pending, ...]  # what the sinks have yet to deliver


def at_least(severity: str) -> tuple[str, ...]:
    if severity not in SEVERITIES:
        raise Refused(Field("severity"), f": {severity!r} is not one of {', '.join(SEVERITIES)}")
    return SEVERITIES[SEVERITIES.index(severity):]


def list_alerts(ledger: Ledger, query: AlertsQuery, before_read: Callable[[], None] | None = None) -> AlertsPage:
    """Alerts matching the query within its scope; ``before_read`` puts the read on the record once
    the query is found well-formed (the API's rule: recorded before answered)."""
    if query.start and query.end and query.end < query.start:
        raise Refused(Field("to"), " is before ", Field("from"))
    if query.limit < 1:
        raise Refused(Field("limit"), ": must be at least 1")
    scope = query.scope
    where = AlertFilter(query.target, query.actor, query.rule,
                        at_least(query.severity) if query.severity else None, query.start, query.end,
                        scope_orgs=None if scope.unlimited else scope.orgs,
                        scope_accounts=None if scope.unlimited else scope.accounts)
    if before_read is not None:
        before_read()
    with ledger.reading() as unit:
        return AlertsPage(tuple(unit.alerts(where, query.limit)), tuple(unit.alert_outbox()))


def acknowledge(ledger: Ledger, alert_id: int, note: str, acked_by: str) -> Ack:
    with ledger.writing() as unit:
        return unit.acknowledge(alert_id, note, acked_by)


def backtest(settings: Settings, start: datetime, end: datetime,
             progress: Callable[[int], None] | None = None) -> Backtest:
    from auditlog.consumers.detector import backtest as run
    from auditlog.domain.rules_config import load_rules

    if end < start:
        raise Refused(Field("to"), " is before ", Field("from"))
    return run(settings, load_rules(settings.rules_file), start, end, progress)

"""The write side of the event contract: emit admin actions, and check the schema versions."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from auditlog.domain.catalog import target_type_of
from auditlog.domain.model import Actor, AdminAction, Target, new_event_id
from auditlog.domain.settings import Settings
from auditlog.producers.bulk import emit_lines
from auditlog.producers.producer import AuditProducer, DeliveryResult
from auditlog.producers.topics import ensure_topic
from auditlog.schemas import registry
from auditlog.schemas.check import check, load_candidate


@dataclass(frozen=True)
class NewAction:
    actor: str
    actor_kind: str
    action: str
    target: str  # the account's, actor's or content's id; its type follows from the action
    actor_org: str | None = None
    handle: str | None = None
    at: datetime | None = None  # None: now
    reason: str | None = None
    ticket: str | None = None


def emit_action(settings: Settings, new: NewAction) -> DeliveryResult:
    """Validate one admin action, send it with acks=all and wait for its partition and offset."""
    target_type = target_type_of(new.action)
    event = AdminAction(
        event_id=new_event_id(),
        occurred_at=(new.at or datetime.now(UTC)).astimezone(UTC),
        actor=Actor(new.actor, new.actor_kind, org=new.actor_org),
        action=new.action,
        target=Target(target_type.value if target_type else "account", new.target, new.handle),
        reason=new.reason,
        ticket=new.ticket,
    ).validate()
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer:
        return producer.emit(event)


@dataclass(frozen=True)
class BulkEmitted:
    sent: int
    refused: tuple[tuple[int, str], ...]  # (line number, reason)


def emit_jsonl(settings: Settings, lines: Iterable[str], *,
               progress: Callable[[], None] | None = None) -> BulkEmitted:
    """Send every valid JSON line (one event each); a refused line never stops the others."""
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer:
        report = emit_lines(producer, lines, progress=progress)
    return BulkEmitted(report.sent, tuple(report.refused))


@dataclass(frozen=True)
class SchemaProblem:
    reader: str  # "v1", "v2" or the candidate's file name
    writer: str
    path: str  # where in the schema
    reason: str
    text: str  # the whole finding as one line


@dataclass(frozen=True)
class SchemaCheck:
    names: tuple[str, ...]  # every version checked, the candidate last
    problems: tuple[SchemaProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_schemas(candidate: Path | None = None) -> SchemaCheck:
    """Every shipped version (and ``candidate``, a proposed .avsc) must read every other's data."""
    named = (candidate.name, load_candidate(candidate)) if candidate is not None else None
    findings = check(named)
    names = tuple(f"v{v.version}" for v in registry.versions()) + ((named[0],) if named else ())
    return SchemaCheck(names, tuple(SchemaProblem(f.reader, f.writer, f.problem.path, f.problem.reason, str(f))
                                    for f in findings))

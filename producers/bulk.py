"""Bulk emit: one JSON event per line (the format in ARCHITECTURE.md), good lines sent,
bad lines reported by number with their reason, nothing silently skipped."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditlog.domain.catalog import target_type_of
from auditlog.domain.errors import InvalidEvent
from auditlog.domain.model import AdminAction
from auditlog.domain.plain import from_plain
from auditlog.producers.producer import AuditProducer


@dataclass
class BulkReport:
    sent: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)


def parse_line(text: str) -> AdminAction:
    """One JSONL line as a validated event; ``event_id`` is made when absent and
    ``target.type`` is taken from the action catalog when omitted."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEvent(f"not JSON ({exc.msg} at column {exc.colno})") from exc
    if isinstance(data, dict) and isinstance(data.get("target"), dict) and "type" not in data["target"]:
        known = target_type_of(str(data.get("action")))
        if known is not None:
            data["target"] = {**data["target"], "type": known.value}
    return from_plain(data, make_event_id=True).validate()


def emit_lines(
    producer: AuditProducer, lines: Iterable[str], progress: Callable[[], None] | None = None
) -> BulkReport:
    """Send every valid line; a refused line never stops the others. Flushes at the end
    (a delivery failure there raises ``DeliveryFailed``: those events were not sent)."""
    report = BulkReport()
    for number, text in enumerate(lines, start=1):
        if progress is not None:
            progress()
        if not text.strip():
            continue
        try:
            event = parse_line(text)
        except InvalidEvent as exc:
            report.refused.append((number, exc.reason))
            continue
        producer.send(event)
        report.sent += 1
    producer.flush()
    return report

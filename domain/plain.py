"""``AdminAction`` <-> plain dicts shaped like the Avro schema.

One mapping serves the Avro codec (times as datetimes), the JSONL bulk-emit
format and the ledger's jsonb payload (times as ISO-8601 strings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.errors import InvalidEvent
from domain.model import Actor, AdminAction, Approval, Change, Source, Target, new_event_id, utc


def to_plain(event: AdminAction, *, iso_times: bool = False) -> dict[str, Any]:
    occurred: Any = event.occurred_at.isoformat() if iso_times else event.occurred_at
    return {
        "event_id": event.event_id,
        "occurred_at": occurred,
        "actor": {
            "id": event.actor.id,
            "kind": event.actor.kind,
            "display_name": event.actor.display_name,
            "org": event.actor.org,
            "team": event.actor.team,
            "session_id": event.actor.session_id,
            "source_ip": event.actor.source_ip,
        },
        "action": event.action,
        "target": {"type": event.target.type, "id": event.target.id, "handle": event.target.handle},
        "reason": event.reason,
        "ticket": event.ticket,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in event.changes],
        "source": None
        if event.source is None
        else {"tool": event.source.tool, "request_id": event.source.request_id, "host": event.source.host},
        "correlation_id": event.correlation_id,
        "causation_id": event.causation_id,
        "approval": None
        if event.approval is None
        else {
            "approver_id": event.approval.approver_id,
            "approved_at": event.approval.approved_at.isoformat() if iso_times else event.approval.approved_at,
        },
    }


def from_plain(data: Any, *, make_event_id: bool = False) -> AdminAction:
    """Build an event from a schema-shaped dict; raise ``InvalidEvent`` naming the field."""
    if not isinstance(data, dict):
        raise InvalidEvent(f"event: expected an object, got {type(data).__name__}")
    event_id = data.get("event_id")
    if event_id is None and make_event_id:
        event_id = new_event_id()
    actor = _object(data, "actor")
    target = _object(data, "target")
    source = data.get("source")
    return AdminAction(
        event_id=str(event_id) if event_id is not None else "",
        occurred_at=_time(data.get("occurred_at")),
        actor=Actor(
            id=_text(actor, "id", "actor.id"),
            kind=_text(actor, "kind", "actor.kind"),
            display_name=actor.get("display_name"),
            org=actor.get("org"),
            team=actor.get("team"),
            session_id=actor.get("session_id"),
            source_ip=actor.get("source_ip"),
        ),
        action=_text(data, "action", "action"),
        target=Target(
            type=_text(target, "type", "target.type"),
            id=_text(target, "id", "target.id"),
            handle=target.get("handle"),
        ),
        reason=data.get("reason"),
        ticket=data.get("ticket"),
        changes=tuple(_change(c) for c in data.get("changes") or ()),
        source=None
        if source is None
        else Source(
            tool=_text(source, "tool", "source.tool"),
            request_id=source.get("request_id"),
            host=source.get("host"),
        ),
        correlation_id=data.get("correlation_id"),
        causation_id=data.get("causation_id"),
        approval=_approval(data.get("approval")),
    )


def _object(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise InvalidEvent(f"{name}: required object is missing")
    return value


def _text(data: dict[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f"{name}: required text is missing")
    return value


def _time(value: Any, name: str = "occurred_at") -> datetime:
    if isinstance(value, datetime):
        return _aware(value, name)
    if not isinstance(value, str):
        raise InvalidEvent(f"{name}: required ISO-8601 time is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidEvent(f"{name}: {value!r} is not an ISO-8601 time") from exc
    return _aware(parsed, name)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEvent(f"{name}: time has no UTC offset")
    return utc(value)


def _approval(value: Any) -> Approval | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidEvent("approval: expected an object")
    return Approval(_text(value, "approver_id", "approval.approver_id"),
                    _time(value.get("approved_at"), "approval.approved_at"))


def _change(value: Any) -> Change:
    if not isinstance(value, dict) or not isinstance(value.get("field"), str):
        raise InvalidEvent("changes: every change needs a 'field'")
    return Change(value["field"], value.get("old"), value.get("new"))

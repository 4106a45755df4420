"""``AdminAction``: one admin action, exactly as the contract describes it.

Times are always timezone-aware UTC; a naive time is refused at construction
because an audit trail whose clock is ambiguous is not evidence.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditlog.domain.catalog import ActorKind, TargetType, is_known, target_type_of
from auditlog.domain.errors import InvalidEvent


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    kind: str
    display_name: str | None = None
    org: str | None = None
    team: str | None = None
    session_id: str | None = None
    source_ip: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    type: str
    id: str
    handle: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class Source:
    tool: str
    request_id: str | None = None
    host: str | None = None


@dataclass(frozen=True, slots=True)
class Approval:
    """The second person of a two-person rule (schema v2)."""

    approver_id: str
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class AdminAction:
    event_id: str
    occurred_at: datetime
    actor: Actor
    action: str
    target: Target
    reason: str | None = None
    ticket: str | None = None
    changes: tuple[Change, ...] = ()
    source: Source | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    approval: Approval | None = None

    def change(self, name: str) -> Change | None:
        """The change to field ``name`` this event carries, if any.

        Facts beyond the fixed fields travel as changes too: an offboarding's
        ``engagement_end``, a granted ``role``, an update's ``handle``."""
        for change in self.changes:
            if change.field == name:
                return change
        return None

    def validate(self, *, strict: bool = True) -> AdminAction:
        """Return self if the event honours the contract, else raise ``InvalidEvent``
        naming the bad field and why.

        ``strict`` (producers) also requires the action and enum values to be ones
        this version knows. Readers pass ``strict=False``: a newer writer may use an
        action or kind we have never heard of, and that is still evidence to keep."""
        _require_uuid("event_id", self.event_id)
        _require_utc("occurred_at", self.occurred_at)
        _require_text("actor.id", self.actor.id)
        _require_text("action", self.action)
        _require_text("target.id", self.target.id)
        if strict:
            self._validate_known_names()
        if "\x00" in "".join([text for _, text in self._texts() if text]):
            name = next(name for name, text in self._texts() if text and "\x00" in text)
            raise InvalidEvent(f"{name}: contains a NUL character, which the ledger (Postgres text) cannot store")
        if self.approval is not None:
            _require_text("approval.approver_id", self.approval.approver_id)
            _require_utc("approval.approved_at", self.approval.approved_at)
            if self.approval.approver_id == self.actor.id:
                raise InvalidEvent("approval.approver_id: must differ from actor.id (two-person rule)")
        return self

    def _texts(self) -> list[tuple[str, str | None]]:
        """Every text the event carries, by field name."""
        a, t, src = self.actor, self.target, self.source
        texts = [
            ("event_id", self.event_id), ("action", self.action), ("reason", self.reason),
            ("ticket", self.ticket), ("correlation_id", self.correlation_id), ("causation_id", self.causation_id),
            ("actor.id", a.id), ("actor.kind", a.kind), ("actor.display_name", a.display_name),
            ("actor.org", a.org), ("actor.team", a.team), ("actor.session_id", a.session_id),
            ("actor.source_ip", a.source_ip), ("target.type", t.type), ("target.id", t.id),
            ("target.handle", t.handle),
        ]
        if src is not None:
            texts += [("source.tool", src.tool), ("source.request_id", src.request_id), ("source.host", src.host)]
        if self.approval is not None:
            texts.append(("approval.approver_id", self.approval.approver_id))
        for change in self.changes:
            texts += [("changes.field", change.field), ("changes.old", change.old), ("changes.new", change.new)]
        return texts

    def _validate_known_names(self) -> None:
        if self.actor.kind not in _ACTOR_KINDS:
            raise InvalidEvent(
                f"actor.kind: {self.actor.kind!r} is not one of {', '.join(k.value for k in ActorKind)}"
            )
        if not is_known(self.action):
            raise InvalidEvent(f"action: {self.action!r} is not in the action catalog")
        if self.target.type not in _TARGET_TYPES:
            raise InvalidEvent(f"target.type: {self.target.type!r} is not account, actor or content")
        expected = target_type_of(self.action)
        if expected is not None and self.target.type != expected.value:
            raise InvalidEvent(f"target.type: {self.action} applies to {expected.value}, not {self.target.type}")


_ACTOR_KINDS = frozenset(k.value for k in ActorKind)
_TARGET_TYPES = frozenset(t.value for t in TargetType)


def new_event_id() -> str:
    return str(uuid.uuid4())


def utc(dt: datetime) -> datetime:
    """Normalise an aware datetime to UTC; refuse a naive one."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise InvalidEvent("occurred_at: time has no UTC offset")
    return dt.astimezone(UTC)


def _require_uuid(name: str, value: Any) -> None:
    try:
        uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidEvent(f"{name}: {value!r} is not a UUID") from exc


def _require_utc(name: str, value: Any) -> None:
    if not isinstance(value, datetime):
        raise InvalidEvent(f"{name}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidEvent(f"{name}: time has no UTC offset")


def _require_text(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"{name}: must be a non-empty string")

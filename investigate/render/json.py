"""Answers as JSON: one function per answer shape, the shapes README.md documents under "JSON answers".

The CLI's ``--json`` prints these; the HTTP API will return the very same dicts. Times are
ISO-8601 in the display zone ``tz`` (UTC when None); keys are stable: changing one breaks
every machine that reads them.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, tzinfo
from enum import Enum
from typing import TYPE_CHECKING, Any

from auditlog.domain.account import AccountState, LastChange
from auditlog.domain.actor import ActorState
from auditlog.domain.history import Interval, Step
from auditlog.investigate.times import show

if TYPE_CHECKING:  # the answers' types only: rendering needs neither Postgres' nor Kafka's client
    from pathlib import Path

    from auditlog.investigate.usecases.access import NewToken, Principal, ReadsPage
    from auditlog.investigate.usecases.bundle import Bundle, BundleCheck
    from auditlog.investigate.usecases.contract import SchemaCheck
    from auditlog.investigate.usecases.evidence import ConsistencyProof, InclusionProof
    from auditlog.investigate.usecases.history import ActorDay, Diff, FieldDiff, StateAnswer, Timeline, WhoPage
    from auditlog.investigate.usecases.integrity import Verification
    from auditlog.ledger.access import StoredRead, StoredToken
    from auditlog.ledger.read import LedgerEvent


def document(data: Any) -> str:
    """The text printed for a JSON answer: indented, keys sorted."""
    return json.dumps(data, indent=2, sort_keys=True)


# -- the parts answers are made of ---------------------------------------------------------------


def event(record: LedgerEvent, tz: tzinfo | None) -> dict[str, Any]:
    e = record.event
    return {
        "seq": record.seq,
        "event_id": e.event_id,
        "occurred_at": show(e.occurred_at, tz),
        "recorded_at": show(record.recorded_at, tz),
        "actor": {"id": e.actor.id, "kind": e.actor.kind, "org": e.actor.org},
        "action": e.action,
        "target": {"type": e.target.type, "id": e.target.id, "handle": e.target.handle},
        "reason": e.reason,
        "ticket": e.ticket,
    }


def stamp(change: LastChange | None, tz: tzinfo | None) -> dict[str, Any] | None:
    """A change stamp: which event last changed something, by whom, when."""
    if change is None:
        return None
    return {"event_id": change.event_id, "action": change.action, "actor": change.actor_id,
            "occurred_at": show(change.occurred_at, tz)}


def account_state(state: AccountState, at: datetime, known_at: datetime | None, tz: tzinfo | None) -> dict[str, Any]:
    return {
        "account": state.account_id,
        "at": show(at, tz),
        "known_at": show(known_at, tz) if known_at else None,
        "exists": state.exists,
        "status": state.status.value,
        "protected": state.protected,
        "verified": state.verified,
        "handle": state.handle,
        "email": state.email,
        "flags": dict(state.flags),
        "created_at": show(state.created_at, tz) if state.created_at else None,
        "events_applied": state.events_applied,
        "last_change": stamp(state.last_change, tz),
        "status_since": stamp(state.status_since, tz),
    }


def field_value(value: Any, tz: tzinfo | None) -> Any:
    """A state field's value: enums by value, times shown in ``tz``, flags as an object."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return show(value, tz)
    if isinstance(value, tuple):
        return dict(value)
    return value


def actor_state(state: ActorState, at: datetime, tz: tzinfo | None) -> dict[str, Any]:
    return {"kind": state.kind, "org": state.org, "employment": state.employment(at).value,
            "engaged": state.engaged(at), "roles": list(state.roles),
            "onboarded_at": show(state.onboarded_at, tz) if state.onboarded_at else None,
            "offboarded_at": show(state.offboarded_at, tz) if state.offboarded_at else None,
            "engagement_end": show(state.engagement_end, tz) if state.engagement_end else None}


def interval(span: Interval, tz: tzinfo | None) -> dict[str, Any]:
    duration = span.duration
    return {"status": span.status.value, "start": stamp(span.start, tz), "end": stamp(span.end, tz),
            "seconds": None if duration is None else duration.total_seconds()}


def _step_changes(step: Step, tz: tzinfo | None) -> dict[str, list[Any]]:
    return {f: [field_value(getattr(step.before, f), tz), field_value(getattr(step.after, f), tz)]
            for f in step.changed}


# -- answers ------------------------------------------------------------------------------------


def state_answer(answer: StateAnswer, tz: tzinfo | None) -> dict[str, Any]:
    return account_state(answer.state, answer.at, answer.known_at, tz)


def who_page(page: WhoPage, tz: tzinfo | None) -> dict[str, Any]:
    return {"events": [event(r, tz) for r in page.events], "next": page.next_cursor}


def timeline(answer: Timeline, tz: tzinfo | None) -> dict[str, Any]:
    start = answer.start
    return {
        "account": answer.account, "from": show(start, tz) if start else None, "to": show(answer.end, tz),
        "known_at": show(answer.known_at, tz) if answer.known_at else None,
        "state_before": account_state(answer.before, start, answer.known_at, tz) if start else None,
        "state_after": account_state(answer.after, answer.end, answer.known_at, tz),
        "events": [{**event(s.record, tz), "changed": _step_changes(s.step, tz)} for s in answer.events],
        "intervals": [interval(i, tz) for i in answer.intervals],
    }


def _field_diff(change: FieldDiff, tz: tzinfo | None) -> dict[str, Any]:
    name = change.field
    return {
        "field": name, "before": field_value(change.before, tz), "after": field_value(change.after, tz),
        "net_change": change.net_change,
        "changes": [{**event(s.record, tz), "from": field_value(getattr(s.step.before, name), tz),
                     "to": field_value(getattr(s.step.after, name), tz)} for s in change.changes],
    }


def diff(answer: Diff, tz: tzinfo | None) -> dict[str, Any]:
    return {"account": answer.account, "t1": show(answer.t1, tz), "t2": show(answer.t2, tz),
            "known_at": show(answer.known_at, tz) if answer.known_at else None,
            "fields": [_field_diff(c, tz) for c in answer.fields]}


def actor_day(answer: ActorDay, tz: tzinfo | None) -> dict[str, Any]:
    return {
        "actor": answer.actor, "on": answer.on.isoformat() if answer.on else None,
        "from": show(answer.start, tz) if answer.start else None,
        "to": show(answer.end, tz) if answer.end else None,
        "known_at": show(answer.known_at, tz) if answer.known_at else None,
        "state": {**actor_state(answer.state, answer.at, tz), "at": show(answer.at, tz)},
        "actions": [{**event(a.record, tz), "actor_state": actor_state(a.actor_state, a.record.event.occurred_at, tz)}
                    for a in answer.actions],
    }


def verification(answer: Verification) -> dict[str, Any]:
    return {"ok": answer.ok, "events": answer.events, "chains": answer.chains, "checkpoints": answer.checkpoints,
            "bad_rows": answer.bad_rows, "signatures_checked": answer.signatures_checked,
            "first_bad": None if answer.first_bad is None else dict(answer.first_bad),
            "tree": None if answer.tree is None else dict(answer.tree),
            "other_rows": dict(answer.other_rows or {})}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def inclusion_proof(answer: InclusionProof) -> dict[str, Any]:
    """``auditlog prove EVENT_ID --json``: everything a verifier needs, nothing it must trust."""
    return {"event_id": answer.event_id, "index": answer.index, "tree_size": answer.tree_size,
            "entry": answer.entry.hex(), "record": _b64(answer.record), "proof": [_b64(h) for h in answer.proof],
            "checkpoint": answer.checkpoint, "vkey": answer.vkey}


def consistency_proof(answer: ConsistencyProof) -> dict[str, Any]:
    return {"old_size": answer.old_size, "new_size": answer.new_size, "old_root": _b64(answer.old_root),
            "new_root": _b64(answer.new_root), "proof": [_b64(h) for h in answer.proof],
            "old_checkpoint": answer.old_checkpoint, "new_checkpoint": answer.new_checkpoint}


def schema_check(answer: SchemaCheck) -> dict[str, Any]:
    return {"ok": answer.ok, "problems": [{"reader": p.reader, "writer": p.writer, "path": p.path, "reason": p.reason}
                                          for p in answer.problems]}


def bundle_made(answer: Bundle, out: Path) -> dict[str, Any]:
    return {"account": answer.account, "events": answer.events, "tree_size": answer.tree_size, "file": str(out)}


def bundle_check(answer: BundleCheck, tz: tzinfo | None) -> dict[str, Any]:
    return {"ok": answer.ok, "account": answer.account, "origin": answer.origin, "tree_size": answer.tree_size,
            "events": [{"index": e.index, "seq": e.seq, "event_id": e.event.event_id,
                        "occurred_at": show(e.event.occurred_at, tz), "action": e.event.action,
                        "actor": e.event.actor.id} for e in answer.events],
            "in_range": answer.in_range, "states_checked": answer.states_checked, "problems": list(answer.problems)}


def token(stored: StoredToken, tz: tzinfo | None) -> dict[str, Any]:
    """A token as `tokens list --json` shows it: never its text or hash."""
    return {"id": stored.id, "role": stored.role, "scopes": list(stored.scopes),
            "created_at": show(stored.created_at, tz), "created_by": stored.created_by,
            "expires_at": show(stored.expires_at, tz),
            "revoked_at": show(stored.revoked_at, tz) if stored.revoked_at else None,
            "revoked_by": stored.revoked_by}


def token_list(tokens: list[StoredToken], tz: tzinfo | None) -> dict[str, Any]:
    return {"tokens": [token(t, tz) for t in tokens]}


def new_token(made: NewToken, tz: tzinfo | None) -> dict[str, Any]:
    """`tokens create --json`: the token's text, shown this once."""
    return {"token": made.token, "id": made.stored.id, "role": made.stored.role,
            "scopes": list(made.stored.scopes), "expires_at": show(made.stored.expires_at, tz)}


def whoami(principal: Principal, tz: tzinfo | None) -> dict[str, Any]:
    return {"id": principal.token_id, "role": principal.role.value, "scopes": list(principal.scope.as_texts()),
            "expires_at": show(principal.expires_at, tz)}


def read(entry: StoredRead, tz: tzinfo | None) -> dict[str, Any]:
    return {"seq": entry.seq, "read_at": show(entry.read_at, tz), "token": entry.token_id, "role": entry.role,
            "case": entry.case_id, "route": entry.route, "params": json.loads(entry.params), "client": entry.client}


def reads_page(page: ReadsPage, tz: tzinfo | None) -> dict[str, Any]:
    return {"reads": [read(r, tz) for r in page.reads], "next": page.next_before}

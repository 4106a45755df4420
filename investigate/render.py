"""Output: plain tables for people, stable JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any, TextIO

from auditlog.domain.account import AccountState, LastChange
from auditlog.investigate.times import show
from auditlog.ledger.read import LedgerEvent


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO = sys.stdout) -> None:
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def emit_json(data: Any, out: TextIO = sys.stdout) -> None:
    print(json.dumps(data, indent=2, sort_keys=True), file=out)


def state_json(state: AccountState, at: datetime, known_at: datetime | None, tz: tzinfo | None) -> dict[str, Any]:
    last = state.last_change
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
        "last_change": change_json(last, tz),
        "status_since": change_json(state.status_since, tz),
    }


def change_json(change: LastChange | None, tz: tzinfo | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"event_id": change.event_id, "action": change.action, "actor": change.actor_id,
            "occurred_at": show(change.occurred_at, tz)}


def event_json(item: LedgerEvent, tz: tzinfo | None) -> dict[str, Any]:
    e = item.event
    return {
        "seq": item.seq,
        "event_id": e.event_id,
        "occurred_at": show(e.occurred_at, tz),
        "recorded_at": show(item.recorded_at, tz),
        "actor": {"id": e.actor.id, "kind": e.actor.kind, "org": e.actor.org},
        "action": e.action,
        "target": {"type": e.target.type, "id": e.target.id, "handle": e.target.handle},
        "reason": e.reason,
        "ticket": e.ticket,
    }


EVENT_HEADERS = ("occurred_at", "actor", "kind", "org", "action", "target", "reason", "ticket")


def event_row(item: LedgerEvent, tz: tzinfo | None) -> list[Any]:
    e = item.event
    target = e.target.id if not e.target.handle else f"{e.target.id} ({e.target.handle})"
    return [show(e.occurred_at, tz), e.actor.id, e.actor.kind, e.actor.org, e.action, target,
            e.reason, e.ticket]


def state_lines(state: AccountState, tz: tzinfo | None) -> list[str]:
    if not state.exists:
        return ["(no such account in the ledger at that time)"]
    last = state.last_change
    lines = [
        f"status     {state.status.value}",
        f"protected  {'yes' if state.protected else 'no'}",
        f"verified   {'yes' if state.verified else 'no'}",
        f"handle     {state.handle or '-'}",
        f"events     {state.events_applied}",
    ]
    if last is not None:
        lines.append(f"last       {last.action} by {last.actor_id} at {show(last.occurred_at, tz)}")
    return lines

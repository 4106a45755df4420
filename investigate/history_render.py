"""Output of ``timeline``, ``diff`` and ``actor``: tables for people, stable JSON for machines
(shapes documented in README.md, "JSON answers")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

from auditlog.domain.account import AccountState
from auditlog.domain.actor import ActorState
from auditlog.domain.history import FieldChange, Interval, Step
from auditlog.investigate.render import change_json, emit_json, event_json, state_json, table
from auditlog.investigate.times import show, span
from auditlog.ledger.read import LedgerEvent

__all__ = ["emit_json", "timeline_json", "timeline_text", "diff_json", "diff_text", "actor_json", "actor_text"]


def value_json(value: Any, tz: tzinfo | None) -> Any:
    """A state field's value as JSON: enums by value, times shown in ``tz``, flags as an object."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return show(value, tz)
    if isinstance(value, tuple):
        return dict(value)
    return value


def _value_text(value: Any, tz: tzinfo | None) -> str:
    shown = value_json(value, tz)
    if isinstance(shown, dict):
        return ",".join(f"{k}={v}" for k, v in shown.items()) or "(none)"
    if isinstance(shown, bool):
        return "yes" if shown else "no"
    return "-" if shown is None else str(shown)


def _step_changes(step: Step, tz: tzinfo | None) -> dict[str, list[Any]]:
    return {f: [value_json(getattr(step.before, f), tz), value_json(getattr(step.after, f), tz)]
            for f in step.changed}


def interval_json(interval: Interval, tz: tzinfo | None) -> dict[str, Any]:
    duration = interval.duration
    return {"status": interval.status.value, "start": change_json(interval.start, tz),
            "end": change_json(interval.end, tz),
            "seconds": None if duration is None else duration.total_seconds()}


def interval_text(interval: Interval, tz: tzinfo | None) -> str:
    began = interval.start
    ended = interval.end
    text = f"{interval.status.value} {show(began.occurred_at, tz) if began else '(before the ledger)'} -> "
    text += show(ended.occurred_at, tz) if ended else "(still)"
    if interval.duration is not None:
        text += f", {span(interval.duration)}"
    if began:
        text += f", by {began.actor_id}"
    if ended:
        text += f", restored by {ended.actor_id}"
    return text


def timeline_json(account: str, start: datetime | None, end: datetime, before: AccountState,
                  history: Sequence[Step], by_id: Mapping[str, LedgerEvent], intervals: Sequence[Interval],
                  tz: tzinfo | None) -> dict[str, Any]:
    after = history[-1].after if history else before
    return {
        "account": account, "from": show(start, tz) if start else None, "to": show(end, tz),
        "state_before": state_json(before, start, None, tz) if start else None,
        "state_after": state_json(after, end, None, tz),
        "events": [{**event_json(by_id[s.event.event_id], tz), "changed": _step_changes(s, tz)} for s in history],
        "intervals": [interval_json(i, tz) for i in intervals],
    }


def timeline_text(account: str, start: datetime | None, end: datetime, before: AccountState,
                  history: Sequence[Step], by_id: Mapping[str, LedgerEvent], intervals: Sequence[Interval],
                  tz: tzinfo | None) -> None:
    print(f"{account} from {show(start, tz) if start else 'the beginning'} to {show(end, tz)}")
    if start:
        print(f"  before: {before.status.value}, protected {'yes' if before.protected else 'no'}")
    rows = []
    for s in history:
        e = s.event
        changed = "; ".join(f"{f} {_value_text(getattr(s.before, f), tz)}->{_value_text(getattr(s.after, f), tz)}"
                            for f in s.changed)
        rows.append([show(e.occurred_at, tz), e.actor.id, e.actor.kind, e.action, e.reason, changed or "-"])
    table(("occurred_at", "actor", "kind", "action", "reason", "changed"), rows)
    print(f"({len(history)} events)")
    print("intervals:" if intervals else "intervals: none (active throughout)")
    for interval in intervals:
        print(f"  {interval_text(interval, tz)}")


def _field_json(change: FieldChange, by_id: Mapping[str, LedgerEvent], tz: tzinfo | None) -> dict[str, Any]:
    return {
        "field": change.field, "before": value_json(change.before, tz), "after": value_json(change.after, tz),
        "net_change": change.before != change.after,
        "changes": [{**event_json(by_id[s.event.event_id], tz),
                     "from": value_json(getattr(s.before, change.field), tz),
                     "to": value_json(getattr(s.after, change.field), tz)} for s in change.steps],
    }


def diff_json(account: str, t1: datetime, t2: datetime, changes: Sequence[FieldChange],
              by_id: Mapping[str, LedgerEvent], tz: tzinfo | None) -> dict[str, Any]:
    return {"account": account, "t1": show(t1, tz), "t2": show(t2, tz),
            "fields": [_field_json(c, by_id, tz) for c in changes]}


def diff_text(account: str, t1: datetime, t2: datetime, changes: Sequence[FieldChange],
              by_id: Mapping[str, LedgerEvent], tz: tzinfo | None) -> None:
    print(f"{account} between {show(t1, tz)} and {show(t2, tz)}")
    if not changes:
        print("  nothing changed")
    for c in changes:
        note = "" if c.before != c.after else f" (changed {len(c.steps)} times, back as it was)"
        print(f"  {c.field}: {_value_text(c.before, tz)} -> {_value_text(c.after, tz)}{note}")
        for s in c.steps:
            e = s.event
            print(f"    {show(e.occurred_at, tz)}  {e.action} by {e.actor.id} ({e.actor.kind}"
                  f"{', ' + e.actor.org if e.actor.org else ''}): {_value_text(getattr(s.before, c.field), tz)}"
                  f" -> {_value_text(getattr(s.after, c.field), tz)}")


def actor_state_json(state: ActorState, at: datetime, tz: tzinfo | None) -> dict[str, Any]:
    return {"kind": state.kind, "org": state.org, "employment": state.employment(at).value,
            "engaged": state.engaged(at), "roles": list(state.roles),
            "onboarded_at": show(state.onboarded_at, tz) if state.onboarded_at else None,
            "offboarded_at": show(state.offboarded_at, tz) if state.offboarded_at else None,
            "engagement_end": show(state.engagement_end, tz) if state.engagement_end else None}


def actor_json(actor: str, on: str | None, start: datetime | None, end: datetime | None, moment: datetime,
               final: ActorState, actions: Sequence[LedgerEvent], states: Sequence[ActorState],
               tz: tzinfo | None) -> dict[str, Any]:
    return {
        "actor": actor, "on": on, "from": show(start, tz) if start else None, "to": show(end, tz) if end else None,
        "state": {**actor_state_json(final, moment, tz), "at": show(moment, tz)},
        "actions": [{**event_json(item, tz), "actor_state": actor_state_json(s, item.event.occurred_at, tz)}
                    for item, s in zip(actions, states, strict=True)],
    }


def actor_text(actor: str, moment: datetime, final: ActorState, actions: Sequence[LedgerEvent],
               states: Sequence[ActorState], tz: tzinfo | None) -> None:
    kind = final.kind or (actions[0].event.actor.kind if actions else "-")
    org = final.org or (actions[0].event.actor.org if actions else None) or "-"
    print(f"{actor} ({kind}, {org}) at {show(moment, tz)}: {final.employment(moment).value}, "
          f"roles {', '.join(final.roles) or '-'}")
    if final.engagement_end:
        print(f"  engagement ends {show(final.engagement_end, tz)} "
              f"(offboarding recorded for {show(final.offboarded_at, tz)})")
    rows = []
    for item, s in zip(actions, states, strict=True):
        e = item.event
        engaged = "yes" if s.engaged(e.occurred_at) else "NO (after engagement end)"
        rows.append([show(e.occurred_at, tz), e.action, e.target.id, e.reason, engaged, ",".join(s.roles) or "-"])
    table(("occurred_at", "action", "target", "reason", "engaged", "roles"), rows)
    print(f"({len(actions)} actions)")

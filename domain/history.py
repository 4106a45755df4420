"""An account's history between two moments: steps, status intervals and field diffs.

Pure functions over a starting state and the events that follow it in fold
order; the ledger supplies both, the CLI shows the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from auditlog.domain.account import FIELDS, AccountState, LastChange, Status, apply
from auditlog.domain.model import AdminAction


@dataclass(frozen=True, slots=True)
class Step:
    """One event and what it did to the account."""

    event: AdminAction
    before: AccountState
    after: AccountState
    changed: tuple[str, ...]  # names from ``FIELDS`` whose value differs


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of time in a non-active status, from the event that began it to the one
    that ended it (``end`` is None while it lasts)."""

    status: Status
    start: LastChange | None  # None: the status predates every event the ledger holds
    end: LastChange | None

    @property
    def duration(self) -> timedelta | None:
        if self.start is None or self.end is None:
            return None
        return self.end.occurred_at - self.start.occurred_at


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A field that changed between two moments, with the steps that changed it
    (a field changed and changed back has ``before == after`` and its steps)."""

    field: str
    before: Any
    after: Any
    steps: tuple[Step, ...]


def field_value(state: AccountState, name: str) -> Any:
    return getattr(state, name)


def steps(start: AccountState, events: Iterable[AdminAction]) -> list[Step]:
    out: list[Step] = []
    state = start
    for event in events:
        after = apply(state, event)
        changed = tuple(f for f in FIELDS if field_value(state, f) != field_value(after, f))
        out.append(Step(event, state, after, changed))
        state = after
    return out


def status_intervals(start: AccountState, history: Iterable[Step]) -> list[Interval]:
    """Every non-active stretch that overlaps the window ``history`` covers."""
    intervals: list[Interval] = []
    status = start.status
    began = start.status_since
    for step in history:
        if step.after.status is step.before.status:
            continue
        stamp = step.after.last_change
        if status is not Status.ACTIVE:
            intervals.append(Interval(status, began, stamp))
        status, began = step.after.status, stamp
    if status is not Status.ACTIVE:
        intervals.append(Interval(status, began, None))
    return intervals


def diff(start: AccountState, history: list[Step]) -> list[FieldChange]:
    end = history[-1].after if history else start
    changes = []
    for name in FIELDS:
        touched = tuple(s for s in history if name in s.changed)
        if touched or field_value(start, name) != field_value(end, name):
            changes.append(FieldChange(name, field_value(start, name), field_value(end, name), touched))
    return changes

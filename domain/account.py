"""The fold for accounts: ``AccountState`` and ``apply``.

``apply`` is total: an action it does not know (a newer writer's) leaves the
state unchanged except for bookkeeping, so old readers never break on new data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from auditlog.domain.model import AdminAction


class Status(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class LastChange:
    event_id: str
    action: str
    actor_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class AccountState:
    account_id: str
    exists: bool = False
    status: Status = Status.ACTIVE
    protected: bool = False
    verified: bool = False
    handle: str | None = None
    email: str | None = None
    # any other field a create or update sets, as sorted (name, value) pairs
    flags: tuple[tuple[str, str], ...] = ()
    created_at: datetime | None = None
    events_applied: int = 0
    last_change: LastChange | None = None
    # the event that put the account in its current status (None: never changed)
    status_since: LastChange | None = None


# the fields an investigator compares between two moments (see domain.history)
FIELDS = ("exists", "status", "protected", "verified", "handle", "email", "flags", "created_at")

_STATUS_BY_ACTION = {
    "account.deactivate": Status.DEACTIVATED,
    "account.reactivate": Status.ACTIVE,
    "account.suspend": Status.SUSPENDED,
    "account.unsuspend": Status.ACTIVE,
}
_PROTECTED_BY_ACTION = {"account.protect": True, "account.unprotect": False}
_VERIFIED_BY_ACTION = {"account.verify": True, "account.unverify": False}


def apply(state: AccountState, event: AdminAction) -> AccountState:
    """Fold one event into the state of the account it targets."""
    if event.target.id != state.account_id:
        return state
    action = event.action
    stamp = LastChange(event.event_id, action, event.actor.id, event.occurred_at)
    # the fields that change, gathered and then set by one replace(): a projector folds every event
    # of the ledger, and replace() per field was a quarter of its time
    changes: dict[str, Any] = {"events_applied": state.events_applied + 1, "last_change": stamp}
    if action == "account.create":
        changes.update(exists=True, status=Status.ACTIVE, created_at=event.occurred_at,
                       handle=event.target.handle or state.handle)
        _gather_changes(state, event, changes)
        if state.status is not Status.ACTIVE:
            changes["status_since"] = stamp
    elif action in _STATUS_BY_ACTION:
        if state.status is not _STATUS_BY_ACTION[action]:
            changes.update(status=_STATUS_BY_ACTION[action], status_since=stamp)
    elif action in _PROTECTED_BY_ACTION:
        changes["protected"] = _PROTECTED_BY_ACTION[action]
    elif action in _VERIFIED_BY_ACTION:
        changes["verified"] = _VERIFIED_BY_ACTION[action]
    elif action == "account.update":
        _gather_changes(state, event, changes)
    if not changes.get("exists", state.exists) and action.startswith("account."):
        # an account we only know from later actions (created before the ledger began)
        changes["exists"] = True
    if changes.get("handle", state.handle) is None and event.target.handle:
        changes["handle"] = event.target.handle
    return replace(state, **changes)


def _gather_changes(state: AccountState, event: AdminAction, changes: dict[str, Any]) -> None:
    """The event's field changes: handle and email as fields, the rest as flags."""
    flags = dict(state.flags)
    for change in event.changes:
        if change.field == "handle":
            changes["handle"] = change.new
        elif change.field == "email":
            changes["email"] = change.new
        elif change.new is None:
            flags.pop(change.field, None)
        else:
            flags[change.field] = change.new
    changes["flags"] = tuple(sorted(flags.items()))


def fold(account_id: str, events: Iterable[AdminAction], start: AccountState | None = None) -> AccountState:
    """State of ``account_id`` after ``events``, taken in the order given, from ``start``."""
    state = start if start is not None else AccountState(account_id)
    for event in events:
        state = apply(state, event)
    return state


def state_to_plain(state: AccountState) -> dict[str, Any]:
    """JSON-ready form of a state (snapshots store it); ``state_from_plain`` reverses it."""
    return {
        "account_id": state.account_id, "exists": state.exists, "status": state.status.value,
        "protected": state.protected, "verified": state.verified, "handle": state.handle,
        "email": state.email, "flags": [list(pair) for pair in state.flags],
        "created_at": _iso(state.created_at), "events_applied": state.events_applied,
        "last_change": _change_plain(state.last_change), "status_since": _change_plain(state.status_since),
    }


def state_from_plain(data: dict[str, Any]) -> AccountState:
    return AccountState(
        account_id=data["account_id"], exists=data["exists"], status=Status(data["status"]),
        protected=data["protected"], verified=data["verified"], handle=data["handle"],
        email=data["email"], flags=tuple((str(k), str(v)) for k, v in data["flags"]),
        created_at=_time(data["created_at"]), events_applied=data["events_applied"],
        last_change=_change_from(data["last_change"]), status_since=_change_from(data["status_since"]),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _change_plain(change: LastChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"event_id": change.event_id, "action": change.action, "actor_id": change.actor_id,
            "occurred_at": change.occurred_at.isoformat()}


def _change_from(data: dict[str, Any] | None) -> LastChange | None:
    if data is None:
        return None
    return LastChange(data["event_id"], data["action"], data["actor_id"],
                      datetime.fromisoformat(data["occurred_at"]))

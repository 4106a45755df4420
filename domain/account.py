"""The fold for accounts: ``AccountState`` and ``apply``.

``apply`` is total: an action it does not know (a newer writer's) leaves the
state unchanged except for bookkeeping, so old readers never break on new data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.model import AdminAction


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
    created_at: datetime | None = None
    events_applied: int = 0
    last_change: LastChange | None = None


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
    new = state
    if action == "account.create":
        new = replace(
            new,
            exists=True,
            status=Status.ACTIVE,
            created_at=event.occurred_at,
            handle=event.target.handle or new.handle,
        )
    elif action in _STATUS_BY_ACTION:
        new = replace(new, status=_STATUS_BY_ACTION[action])
    elif action in _PROTECTED_BY_ACTION:
        new = replace(new, protected=_PROTECTED_BY_ACTION[action])
    elif action in _VERIFIED_BY_ACTION:
        new = replace(new, verified=_VERIFIED_BY_ACTION[action])
    elif action == "account.update":
        handle = event.change("handle")
        email = event.change("email")
        if handle is not None:
            new = replace(new, handle=handle.new)
        if email is not None:
            new = replace(new, email=email.new)
    if not new.exists and action.startswith("account."):
        # an account we only know from later actions (created before the ledger began)
        new = replace(new, exists=True)
    if new.handle is None and event.target.handle:
        new = replace(new, handle=event.target.handle)
    return replace(
        new,
        events_applied=state.events_applied + 1,
        last_change=LastChange(event.event_id, action, event.actor.id, event.occurred_at),
    )


def fold(account_id: str, events: Iterable[AdminAction]) -> AccountState:
    """State of ``account_id`` after ``events``, taken in the order given."""
    state = AccountState(account_id)
    for event in events:
        state = apply(state, event)
    return state

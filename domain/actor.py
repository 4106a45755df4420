"""The fold for actors (the people and services who act): ``ActorState`` and ``apply_actor``.

Actors are targets of ``actor.*`` events (onboard, offboard, role grants). An
offboarding names when the engagement *ends* (``engagement_end``), which may
be later than the offboarding itself: a contractor offboarded at 09:00 with an
engagement ending at 23:59 is still engaged at 18:58. So "engaged?" is asked
of a state *at* a moment, not stored in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from auditlog.domain.account import LastChange
from auditlog.domain.model import AdminAction, utc


class Employment(StrEnum):
    UNKNOWN = "unknown"  # the ledger holds no onboarding or offboarding
    ACTIVE = "active"
    OFFBOARDED = "offboarded"


@dataclass(frozen=True, slots=True)
class ActorState:
    actor_id: str
    kind: str | None = None
    org: str | None = None
    display_name: str | None = None
    onboarded_at: datetime | None = None
    offboarded_at: datetime | None = None  # when the offboarding was done
    engagement_end: datetime | None = None  # when it takes effect
    roles: tuple[str, ...] = ()
    events_applied: int = 0
    last_change: LastChange | None = None

    def employment(self, at: datetime) -> Employment:
        """Employment status at ``at`` (which should not precede the events folded)."""
        if self.engagement_end is not None and at >= self.engagement_end:
            return Employment.OFFBOARDED
        if self.onboarded_at is None and self.offboarded_at is None:
            return Employment.UNKNOWN
        return Employment.ACTIVE

    def engaged(self, at: datetime) -> bool:
        return self.employment(at) is not Employment.OFFBOARDED


def apply_actor(state: ActorState, event: AdminAction) -> ActorState:
    """Fold one event into the state of the actor it targets."""
    if event.target.id != state.actor_id or event.target.type != "actor":
        return state
    # the fields as locals, the new state built once (not a replace() per changed field: a
    # projector folds every event of the ledger)
    kind, org, onboarded_at, offboarded_at, engagement_end, roles = (
        state.kind, state.org, state.onboarded_at, state.offboarded_at, state.engagement_end, state.roles)
    action = event.action
    if action == "actor.onboard":
        kind_change, org_change = event.change("kind"), event.change("org")
        onboarded_at, offboarded_at, engagement_end = event.occurred_at, None, None
        if kind_change and kind_change.new:
            kind = kind_change.new
        if org_change and org_change.new:
            org = org_change.new
    elif action == "actor.offboard":
        end = event.change("engagement_end")
        offboarded_at = event.occurred_at
        engagement_end = _end_time(end.new if end else None, event.occurred_at)
    elif action in ("actor.role_grant", "actor.role_revoke"):
        role = event.change("role")
        if role is not None and role.new:
            held = set(roles)
            if action == "actor.role_grant":
                held.add(role.new)
            else:
                held.discard(role.new)
            roles = tuple(sorted(held))
    display_name = state.display_name
    if display_name is None and event.target.handle:
        display_name = event.target.handle
    return ActorState(state.actor_id, kind, org, display_name, onboarded_at, offboarded_at, engagement_end, roles,
                      state.events_applied + 1, LastChange(event.event_id, action, event.actor.id, event.occurred_at))


def _end_time(text: str | None, offboarded_at: datetime) -> datetime:
    """The effective end: ``engagement_end`` when readable, else the offboarding itself."""
    if text:
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                return utc(parsed)
        except ValueError:
            pass  # a malformed end must not break readers; the offboarding still counts
    return offboarded_at


def fold_actor(actor_id: str, events: Iterable[AdminAction]) -> ActorState:
    """State of ``actor_id`` after ``events``, taken in the order given."""
    state = ActorState(actor_id)
    for event in events:
        state = apply_actor(state, event)
    return state


def states_along(
    actor_id: str, events: Iterable[AdminAction], moments: Iterable[datetime]
) -> list[ActorState]:
    """The actor's state at each of ``moments`` (ascending), folding ``events`` (in fold
    order) once: an event at exactly a moment counts as known then."""
    pending = iter(events)
    upcoming = next(pending, None)
    state = ActorState(actor_id)
    states = []
    for moment in moments:
        while upcoming is not None and upcoming.occurred_at <= moment:
            state = apply_actor(state, upcoming)
            upcoming = next(pending, None)
        states.append(state)
    return states


def actor_to_plain(state: ActorState) -> dict[str, Any]:
    """JSON-ready form of an actor's state (``actors_now`` stores it); ``actor_from_plain`` reverses it."""
    last = state.last_change
    return {
        "actor_id": state.actor_id, "kind": state.kind, "org": state.org, "display_name": state.display_name,
        "onboarded_at": _iso(state.onboarded_at), "offboarded_at": _iso(state.offboarded_at),
        "engagement_end": _iso(state.engagement_end), "roles": list(state.roles),
        "events_applied": state.events_applied,
        "last_change": None if last is None else {"event_id": last.event_id, "action": last.action,
                                                  "actor_id": last.actor_id,
                                                  "occurred_at": last.occurred_at.isoformat()},
    }


def actor_from_plain(data: dict[str, Any]) -> ActorState:
    last = data["last_change"]
    return ActorState(
        actor_id=data["actor_id"], kind=data["kind"], org=data["org"], display_name=data["display_name"],
        onboarded_at=_time(data["onboarded_at"]), offboarded_at=_time(data["offboarded_at"]),
        engagement_end=_time(data["engagement_end"]), roles=tuple(data["roles"]),
        events_applied=data["events_applied"],
        last_change=None if last is None else LastChange(last["event_id"], last["action"], last["actor_id"],
                                                         datetime.fromisoformat(last["occurred_at"])),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)

"""``ActorActivity``: what the rules need to know of an actor's own past actions.

Not a fold of the ledger's truth (that is ``domain.actor``) but a detector's memory:
when the actor was first seen, how many destructive actions they did in all, and when
the recent ones happened. Bounded: only destructive actions within ``horizon`` of the
newest are kept, so a busy actor costs the same memory as a quiet one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.domain.account import AccountState
from auditlog.domain.model import AdminAction

# actions that take something away from a user: what a burst counts
DESTRUCTIVE = frozenset({"account.deactivate", "account.suspend", "content.delete"})


@dataclass(frozen=True, slots=True)
class ActorActivity:
    actor_id: str
    first_seen: datetime | None = None
    destructive_total: int = 0
    recent_destructive: tuple[datetime, ...] = ()  # occurred_at of destructive actions within the horizon, ascending
    touched_protected: bool = False

    def destructive_between(self, start: datetime, end: datetime) -> int:
        """Destructive actions with ``start < occurred_at <= end`` among the recent ones."""
        times = self.recent_destructive
        return bisect_right(times, end) - bisect_right(times, start)

    def previous_destructive(self, before: datetime) -> datetime | None:
        """The latest recent destructive action strictly before ``before``."""
        index = bisect_left(self.recent_destructive, before)
        return self.recent_destructive[index - 1] if index else None


def observe(activity: ActorActivity, event: AdminAction, target_before: AccountState | None,
            horizon: timedelta) -> ActorActivity:
    """Fold one event the actor did. Events come in ledger order, which is not time order (a
    late event may be older than ones already seen), so times are inserted in place."""
    if event.actor.id != activity.actor_id:
        return activity
    at = event.occurred_at
    times = activity.recent_destructive
    if (event.action not in DESTRUCTIVE and activity.first_seen is not None and activity.first_seen <= at
            and (activity.touched_protected or target_before is None or not target_before.protected)
            and (not times or times[0] >= max(at, times[-1]) - horizon)):
        return activity  # nothing to change: most of an actor's actions (no new object per event)
    first_seen = at if activity.first_seen is None or at < activity.first_seen else activity.first_seen
    total = activity.destructive_total
    if event.action in DESTRUCTIVE:
        total += 1
        kept = list(times)
        insort(kept, at)
        times = tuple(kept)
    if times:
        # trim against the newest time known, so that a late (old) event cannot keep stale times alive
        cutoff = max(at, times[-1]) - horizon
        times = times[bisect_left(times, cutoff):]
    touched = activity.touched_protected or (target_before is not None and target_before.protected)
    return ActorActivity(activity.actor_id, first_seen, total, times, touched)

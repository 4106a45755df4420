"""``accounts_now`` and ``actors_now``: every account's and actor's state now, kept from the feed.

A row holds the fold of all the target's events in fold order (``occurred_at``, then ``seq``)
and its fold point, the (occurred_at, seq) of the last event folded. A feed row whose event lies
after the fold point is folded in; one before it arrived late (an old ``occurred_at`` recorded
now) and the target is folded again from every event the ledger holds, so the row always equals
``state_by_replay`` at the end of time, whatever order the feed brought the events in. Folding
again is idempotent, which also makes a page applied twice harmless.

States are cached in memory between pages (one running projector per name writes its
generation); the cache is dropped whenever a transaction fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import psycopg

from auditlog.domain.account import AccountState, apply, state_from_plain, state_to_plain
from auditlog.domain.actor import ActorState, actor_from_plain, actor_to_plain, apply_actor
from auditlog.domain.model import AdminAction
from auditlog.ledger import state as ledger_state
from auditlog.ledger.db import translated_errors
from auditlog.ledger.feed import Page
from auditlog.ledger.sql import query

END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)
_CACHE_LIMIT = 200_000

S = TypeVar("S", AccountState, ActorState)
Point = tuple[datetime, int]


@dataclass(frozen=True)
class _Kind(Generic[S]):
    """What differs between the two tables."""

    name: str
    target_type: str
    empty: Callable[[str], S]
    apply: Callable[[S, AdminAction], S]
    to_plain: Callable[[S], dict[str, Any]]
    from_plain: Callable[[dict[str, Any]], S]
    columns: Callable[[S], dict[str, Any]]
    id: str  # the id column ("account"), and its plural the load query's parameter


class _Folded(Generic[S]):
    """A projection of one target type's current state."""

    def __init__(self, kind: _Kind[S]) -> None:
        self.kind: _Kind[S] = kind
        self.name = kind.name
        self._cache: dict[tuple[int, str], tuple[S, Point]] = {}

    def forget(self) -> None:
        self._cache.clear()

    def clear(self, conn: psycopg.Connection[Any], generation: int) -> None:
        with translated_errors():
            conn.execute(query(f"{self.name}_clear"), {"generation": generation})
        self.forget()

    def apply(self, conn: psycopg.Connection[Any], generation: int, page: Page) -> int:
        by_target: dict[str, list[tuple[int, AdminAction]]] = {}
        for seq, event in page.events:
            if event.target.type == self.kind.target_type:
                by_target.setdefault(event.target.id, []).append((seq, event))
        if not by_target:
            return 0
        known = self._load(conn, generation, [t for t in by_target if (generation, t) not in self._cache])
        folded: dict[str, tuple[S, Point]] = {}
        for target, events in by_target.items():
            current = self._cache.get((generation, target)) or known.get(target)
            state, point = current if current is not None else (self.kind.empty(target), None)
            late = False
            events.sort(key=lambda item: (item[1].occurred_at, item[0]))  # fold order: only older pages are late
            for seq, event in events:
                at = (event.occurred_at, seq)
                if point is None or at > point:
                    state, point = self.kind.apply(state, event), at
                else:
                    late = True
            if late:
                state, point = self._refold(conn, target)
            assert point is not None
            folded[target] = (state, point)
        self._store(conn, generation, folded)
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        self._cache.update({(generation, t): value for t, value in folded.items()})
        return len(folded)

    def _load(self, conn: psycopg.Connection[Any], generation: int, targets: list[str]) -> dict[str, tuple[S, Point]]:
        if not targets:
            return {}
        with translated_errors():
            found = conn.execute(query(f"{self.name}_load"), {"generation": generation, self.kind.id + "s": targets},
                                 binary=True)
            return {r[0]: (self.kind.from_plain(r[1]), (r[2], r[3])) for r in found}

    def _refold(self, conn: psycopg.Connection[Any], target: str) -> tuple[S, Point]:
        state = self.kind.empty(target)
        point: Point | None = None
        for item in ledger_state.history(conn, target, END_OF_TIME):
            state = self.kind.apply(state, item.event)
            point = (item.event.occurred_at, item.seq)
        assert point is not None, f"{target}: refolded from no events"
        return state, point

    def _store(self, conn: psycopg.Connection[Any], generation: int, folded: dict[str, tuple[S, Point]]) -> None:
        params: dict[str, Any] = {"generation": generation, self.kind.id: list(folded)}
        rows = [{**self.kind.columns(state), "fold_time": point[0], "fold_seq": point[1],
                 "state": json.dumps(self.kind.to_plain(state))} for state, point in folded.values()]
        for column in rows[0]:
            params[column] = [row[column] for row in rows]
        with translated_errors():
            conn.execute(query(f"{self.name}_upsert"), params, binary=True)  # binary arrays: no text escaping


def _account_columns(s: AccountState) -> dict[str, Any]:
    last, since = s.last_change, s.status_since
    return {"status": s.status.value, "protected": s.protected, "events": s.events_applied,
            "last_event_id": last.event_id if last else None, "last_action": last.action if last else None,
            "last_actor": last.actor_id if last else None, "last_occurred_at": last.occurred_at if last else None,
            "status_since_at": since.occurred_at if since else None,
            "status_since_by": since.actor_id if since else None}


def _actor_columns(s: ActorState) -> dict[str, Any]:
    last = s.last_change
    return {"kind": s.kind, "org": s.org, "onboarded_at": s.onboarded_at, "offboarded_at": s.offboarded_at,
            "engagement_end": s.engagement_end, "roles": json.dumps(list(s.roles)), "events": s.events_applied,
            "last_action": last.action if last else None, "last_occurred_at": last.occurred_at if last else None}


def accounts_now() -> _Folded[AccountState]:
    return _Folded(_Kind("accounts_now", "account", AccountState, apply, state_to_plain, state_from_plain,
                         _account_columns, "account"))


def actors_now() -> _Folded[ActorState]:
    return _Folded(_Kind("actors_now", "actor", ActorState, apply_actor, actor_to_plain, actor_from_plain,
                         _actor_columns, "actor"))


# -- reading them ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountNow:
    account: str
    status: str
    protected: bool
    last_event_id: str | None
    last_action: str | None
    last_actor: str | None
    last_occurred_at: datetime | None
    status_since_at: datetime | None
    status_since_by: str | None
    events: int


@dataclass(frozen=True)
class ActorNow:
    actor: str
    kind: str | None
    org: str | None
    onboarded_at: datetime | None
    offboarded_at: datetime | None
    engagement_end: datetime | None
    roles: tuple[str, ...]
    last_action: str | None
    last_occurred_at: datetime | None
    events: int

    def engaged(self, at: datetime) -> bool:
        return self.engagement_end is None or at < self.engagement_end


def list_accounts(conn: psycopg.Connection[Any], *, protected: bool | None, status: str | None,
                  after: str | None, limit: int) -> list[AccountNow]:
    params = {"protected": protected, "status": status, "after": after, "limit": limit}
    with translated_errors():
        return [AccountNow(*row) for row in conn.execute(query("accounts_now_list"), params)]


def list_actors(conn: psycopg.Connection[Any], *, actor: str | None, after: str | None,
                limit: int) -> list[ActorNow]:
    with translated_errors():
        rows = conn.execute(query("actors_now_list"), {"actor": actor, "after": after, "limit": limit}).fetchall()
    return [ActorNow(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6] or ()), r[7], r[8], r[9]) for r in rows]

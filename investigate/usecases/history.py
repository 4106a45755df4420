"""An account's or an actor's past: state at a time, who did what, timeline, diff, an actor's day.

Every answer is read in one unit of work (``ledger.reading()``: one read-only snapshot), so
an answer made of several queries (the state before a window and the events in it) cannot
see a batch land between them. ``state_at_async`` and ``who_async`` (the API's, on its event
loop) ask the ``AsyncReader`` instead: one statement an answer, itself one snapshot. What each
event did comes from the pure folds in ``domain``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from auditlog.domain.access import UNLIMITED, Scope
from auditlog.domain.account import AccountState
from auditlog.domain.actor import ActorState, fold_actor, states_along
from auditlog.domain.errors import Forbidden
from auditlog.domain.history import Interval, Step, status_intervals, steps
from auditlog.domain.history import diff as field_changes
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.read import LedgerEvent, WhoFilter

if TYPE_CHECKING:  # the CLI never needs the event loop's reader (nor its pool's import)
    from auditlog.ledger.reader import AsyncReader

# called once a query is found well-formed and before anything is read: each face puts the read on
# the record there (the reads log), and a failure to record stops the read
OnRecord = Callable[[], None] | None
AsyncOnRecord = Callable[[], Awaitable[None]]  # the same, awaited on a server's event loop

TICK = timedelta(microseconds=1)  # Postgres keeps microseconds: "before T" is "at T - 1us"

# -- state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateQuery:
    account: str
    at: datetime  # event time: fold events with occurred_at <= at
    known_at: datetime | None = None  # ledger time: ... and recorded_at <= known_at
    scope: Scope = UNLIMITED


@dataclass(frozen=True)
class StateAnswer:
    account: str
    at: datetime
    known_at: datetime | None
    state: AccountState


def state_at(ledger: Ledger, query: StateQuery, before_read: OnRecord = None) -> StateAnswer:
    _check_state(query)
    _put_on_record(before_read)
    with ledger.reading() as unit:
        state = unit.state_at(query.account, query.at, query.known_at)
    return StateAnswer(query.account, query.at, query.known_at, state)


async def state_at_async(reader: AsyncReader, query: StateQuery, before_read: AsyncOnRecord) -> StateAnswer:
    """``state_at`` for a server's event loop (the API's): the same checks and answer."""
    _check_state(query)
    await before_read()
    state = await reader.state_at(query.account, query.at, query.known_at)
    return StateAnswer(query.account, query.at, query.known_at, state)


def _check_state(query: StateQuery) -> None:
    _aware({"at": query.at, "known_at": query.known_at})
    _account_in_scope(query.scope, query.account)


# -- who -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhoQuery:
    """Every filter given must match; ``after`` is a page's ``next_cursor``."""

    actor: str | None = None
    actor_kind: str | None = None
    org: str | None = None
    target: str | None = None
    action: str | None = None
    start: datetime | None = None  # occurred_at >= start
    end: datetime | None = None  # occurred_at <= end
    limit: int = 100
    after: str | None = None
    known_at: datetime | None = None  # only what the ledger had recorded by then
    scope: Scope = UNLIMITED  # only the events the caller's scope covers


@dataclass(frozen=True)
class WhoPage:
    events: tuple[LedgerEvent, ...]
    next_cursor: str | None  # None: this was the last page


def who(ledger: Ledger, query: WhoQuery, before_read: OnRecord = None) -> WhoPage:
    """One page of matching events in event-time order."""
    where, after = _who_filter(query)
    _put_on_record(before_read)
    with ledger.reading() as unit:
        rows = unit.who(where, limit=query.limit + 1, after=after)  # one more: is there a next page?
    return _who_page(rows, query.limit)


async def who_async(reader: AsyncReader, query: WhoQuery, before_read: AsyncOnRecord) -> WhoPage:
    """``who`` for a server's event loop (the API's): the same checks and page."""
    where, after = _who_filter(query)
    await before_read()
    return _who_page(await reader.who(where, limit=query.limit + 1, after=after), query.limit)


def _who_filter(query: WhoQuery) -> tuple[WhoFilter, tuple[datetime, int] | None]:
    if query.limit < 1:
        raise Refused(Field("limit"), ": must be at least 1")
    _aware({"from": query.start, "to": query.end, "known_at": query.known_at})
    after = parse_cursor(query.after) if query.after is not None else None
    where = WhoFilter(actor=query.actor, actor_kind=query.actor_kind, org=query.org, target=query.target,
                      action=query.action, start=query.start, end=query.end, known_at=query.known_at,
                      **_scoped(query.scope))
    return where, after


def _who_page(rows: list[LedgerEvent], limit: int) -> WhoPage:
    page = tuple(rows[:limit])
    more = len(rows) > limit
    return WhoPage(page, cursor(page[-1]) if more and page else None)


def cursor(item: LedgerEvent) -> str:
    """Where the next page starts: after this row in (occurred_at, seq) order."""
    return f"{item.event.occurred_at.isoformat()}~{item.seq}"


def parse_cursor(text: str) -> tuple[datetime, int]:
    try:
        moment, seq = text.rsplit("~", 1)
        parsed = datetime.fromisoformat(moment), int(seq)
    except ValueError:
        parsed = None
    if parsed is None or parsed[0].tzinfo is None:  # a printed cursor always has its offset
        raise Refused(Field("after"), f": {text!r} is not a cursor printed by a previous page")
    return parsed


# -- an account's history in a window ----------------------------------------------------------


@dataclass(frozen=True)
class StepRecord:
    """One event of a window as the ledger holds it, and what it did to the account."""

    record: LedgerEvent
    step: Step


@dataclass(frozen=True)
class TimelineQuery:
    account: str
    start: datetime | None = None  # None: from the beginning
    end: datetime | None = None  # None: now
    known_at: datetime | None = None
    scope: Scope = UNLIMITED


@dataclass(frozen=True)
class Timeline:
    account: str
    start: datetime | None
    end: datetime
    before: AccountState  # at start - 1us; the empty state when there is no start
    after: AccountState  # at end
    events: tuple[StepRecord, ...]
    intervals: tuple[Interval, ...]  # every non-active stretch overlapping the window
    known_at: datetime | None = None


def timeline(ledger: Ledger, query: TimelineQuery, before_read: OnRecord = None) -> Timeline:
    _aware({"from": query.start, "to": query.end, "known_at": query.known_at})
    end = query.end if query.end is not None else datetime.now(UTC)
    _in_order(query.start, end, "from", "to")
    _account_in_scope(query.scope, query.account)
    known = query.known_at
    _put_on_record(before_read)
    with ledger.reading() as unit:
        before = (unit.state_at(query.account, query.start - TICK, known) if query.start
                  else AccountState(query.account))
        records = unit.who_all(WhoFilter(target=query.account, start=query.start, end=end, known_at=known))
    walked = _walk(before, records)
    after = walked[-1].step.after if walked else before
    intervals = status_intervals(before, (s.step for s in walked))
    return Timeline(query.account, query.start, end, before, after, walked, tuple(intervals), known)


@dataclass(frozen=True)
class DiffQuery:
    account: str
    t1: datetime
    t2: datetime
    known_at: datetime | None = None
    scope: Scope = UNLIMITED


@dataclass(frozen=True)
class FieldDiff:
    """A field that differs between t1 and t2, or changed and changed back."""

    field: str
    before: object
    after: object
    changes: tuple[StepRecord, ...]  # the events that changed it, in order

    @property
    def net_change(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class Diff:
    account: str
    t1: datetime
    t2: datetime
    fields: tuple[FieldDiff, ...]
    known_at: datetime | None = None


def diff(ledger: Ledger, query: DiffQuery, before_read: OnRecord = None) -> Diff:
    _aware({"t1": query.t1, "t2": query.t2, "known_at": query.known_at})
    _in_order(query.t1, query.t2, "t1", "t2")
    _account_in_scope(query.scope, query.account)
    known = query.known_at
    _put_on_record(before_read)
    with ledger.reading() as unit:
        before = unit.state_at(query.account, query.t1, known)
        records = unit.who_all(WhoFilter(target=query.account, start=query.t1 + TICK, end=query.t2, known_at=known))
    walked = _walk(before, records)
    fields = tuple(FieldDiff(c.field, c.before, c.after, tuple(s for s in walked if c.field in s.step.changed))
                   for c in field_changes(before, [s.step for s in walked]))
    return Diff(query.account, query.t1, query.t2, fields, known)


def _walk(before: AccountState, records: list[LedgerEvent]) -> tuple[StepRecord, ...]:
    return tuple(StepRecord(record, step)
                 for record, step in zip(records, steps(before, (r.event for r in records)), strict=True))


def _put_on_record(before_read: OnRecord) -> None:
    if before_read is not None:
        before_read()


def _account_in_scope(scope: Scope, account: str) -> None:
    if not scope.covers_account(account):
        raise Forbidden(f"account {account!r} is outside this token's scope (an account= scope must name it)")


def _scoped(scope: Scope) -> dict[str, tuple[str, ...] | None]:
    """WhoFilter's scope fields for ``scope``."""
    if scope.unlimited:
        return {}
    return {"scope_orgs": scope.orgs, "scope_accounts": scope.accounts}


def _aware(moments: dict[str, datetime | None]) -> None:
    """Refuse a time without an offset: the server would read it in its own zone, and evidence
    must not depend on a guess (each face reads its input times in a zone it was told)."""
    for name, moment in moments.items():
        if moment is not None and moment.utcoffset() is None:
            raise Refused(Field(name), f": {moment.isoformat()!r} has no UTC offset")


def _in_order(first: datetime | None, second: datetime, name1: str, name2: str) -> None:
    if first is not None and first > second:
        raise Refused(Field(name1), " must not be later than ", Field(name2))


# -- an actor's actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorQuery:
    """An actor's actions: all of them, or those of one calendar day (``on``) in zone ``tz``."""

    actor: str
    on: date | None = None
    tz: tzinfo | None = None  # whose day: required with ``on``
    start: datetime | None = None  # or a window of event time (not with ``on``)
    end: datetime | None = None
    known_at: datetime | None = None
    scope: Scope = UNLIMITED  # a scoped caller sees only an actor of its orgs, and its in-scope actions


@dataclass(frozen=True)
class ActorAction:
    record: LedgerEvent
    actor_state: ActorState  # who the actor was when they did it


@dataclass(frozen=True)
class ActorDay:
    actor: str
    on: date | None
    start: datetime | None  # the day's first and last microsecond; None without a day
    end: datetime | None
    at: datetime  # the moment ``state`` is for: the day's end, else the last action (or now)
    state: ActorState
    actions: tuple[ActorAction, ...]
    known_at: datetime | None = None


def actor_day(ledger: Ledger, query: ActorQuery, before_read: OnRecord = None) -> ActorDay:
    _aware({"from": query.start, "to": query.end, "known_at": query.known_at})
    if query.on is not None:
        if query.start is not None or query.end is not None:
            raise Refused(Field("on"), " names a whole day: give it, or ", Field("from"), "/", Field("to"),
                          ", not both")
        start, end = _day(query.on, query.tz)
    else:
        start, end = query.start, query.end
        if end is not None:
            _in_order(start, end, "from", "to")
    known = query.known_at
    _put_on_record(before_read)
    with ledger.reading() as unit:
        if not query.scope.unlimited:  # whose actor is this? the scope must cover its org
            org = fold_actor(query.actor, [i.event for i in unit.history(query.actor, datetime.now(UTC), known)]).org
            if not query.scope.covers_actor_org(org):
                raise Forbidden(f"actor {query.actor!r} is outside this token's scope (an org= scope must name "
                                "the actor's org)")
        records = unit.who_all(WhoFilter(actor=query.actor, start=start, end=end, known_at=known,
                                         **_scoped(query.scope)))
        moment = end or (records[-1].event.occurred_at if records else datetime.now(UTC))
        history = [item.event for item in unit.history(query.actor, moment, known)]
    states = states_along(query.actor, history, [item.event.occurred_at for item in records])
    actions = tuple(ActorAction(record, s) for record, s in zip(records, states, strict=True))
    return ActorDay(query.actor, query.on, start, end, moment, fold_actor(query.actor, history), actions, known)


def _day(day: date, zone: tzinfo | None) -> tuple[datetime, datetime]:
    """A calendar day in ``zone``, as [midnight, next midnight - 1us]."""
    if zone is None:  # whose midnight? a guessed zone would shift the window by hours
        raise Refused(Field("on"), f": {day.isoformat()!r} names a day but not whose; pass ", Field("tz"),
                      " (e.g. America/New_York or UTC)")
    first = datetime.combine(day, time(0), zone)
    return first, datetime.combine(day + timedelta(days=1), time(0), zone) - TICK

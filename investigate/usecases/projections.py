"""The projections as on-call engineers see them: where each is, and the accounts they answer
for ("every protected account that is deactivated right now")."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.domain.account import Status
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger.feed import Position
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.now import AccountNow
from auditlog.ledger.projections import NAMES, rebuild_consumer


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    live: int  # the generation readers see
    rows: int  # its rows
    position: Position | None  # the live generation's feed position (None: has read nothing)
    rows_behind: int  # feed rows it has not applied yet
    seconds_behind: float
    building: int | None  # the generation a rebuild is filling (None: no rebuild under way)
    rebuild_position: Position | None


@dataclass(frozen=True)
class Projections:
    head: Position | None
    projections: tuple[ProjectionStatus, ...]


def projections_status(ledger: Ledger) -> Projections:
    import time

    with ledger.reading() as unit:
        head = unit.feed_head().position
        generations = {g.name: g for g in unit.projections()}
        counts = unit.projection_rows()
        stored = {p.consumer: p for p in unit.feed_positions()}
        behind = {name: unit.feed_behind(stored[name].position) for name in NAMES if name in stored}
    now = time.time()
    found = []
    for name in NAMES:
        g = generations[name]
        mine = stored.get(name)
        late = behind.get(name)
        oldest = late.oldest if late is not None else None
        rebuild = stored.get(rebuild_consumer(name))
        rows_behind = late.rows if late is not None else _everything(ledger)
        found.append(ProjectionStatus(name, g.live, counts.get((name, g.live), 0),
                                      mine.position if mine else None, rows_behind,
                                      0.0 if oldest is None else max(0.0, now - oldest.timestamp()),
                                      g.building, rebuild.position if rebuild else None))
    return Projections(head, tuple(found))


def _everything(ledger: Ledger) -> int:
    from auditlog.ledger.feed import START

    with ledger.reading() as unit:
        return unit.feed_behind(START).rows


@dataclass(frozen=True)
class AccountsQuery:
    protected: bool | None = None
    status: str | None = None
    after: str | None = None  # the last account of the previous page
    limit: int = 1000


@dataclass(frozen=True)
class AccountsPage:
    query: AccountsQuery
    accounts: tuple[AccountNow, ...]

    @property
    def next_after(self) -> str | None:
        return self.accounts[-1].account if len(self.accounts) == self.query.limit else None


def accounts_now(ledger: Ledger, query: AccountsQuery) -> AccountsPage:
    """Accounts as ``accounts_now`` has them (as far as the projection has read the feed)."""
    if query.status is not None and query.status not in {s.value for s in Status}:
        raise Refused(Field("status"), f": {query.status!r} is not one of "
                      + ", ".join(sorted(s.value for s in Status)))
    if query.limit < 1:
        raise Refused(Field("limit"), ": must be at least 1")
    with ledger.reading() as unit:
        rows = unit.accounts_now(protected=query.protected, status=query.status, after=query.after,
                                 limit=query.limit)
    return AccountsPage(query, tuple(rows))

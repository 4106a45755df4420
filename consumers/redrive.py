"""Re-drive rejected messages: decode their bytes again with today's schemas and rules
(``decoding.prepare``, exactly what the writer runs), and append what is now accepted.

Each accepted message becomes an event through the writer's append path with the coordinates,
key and headers it arrived with, deduplicated by ``event_id``; its resolution is recorded in
``rejected_resolutions`` in the same transaction, and the rejected row is never changed
(``ledger/rejected.py``). Outcomes per message:

- ``appended``: now an event.
- ``duplicate``: the ledger already holds that very event (same id, same bytes): resolved,
  nothing appended.
- ``conflict``: an event with that id but other bytes is in the ledger: stays rejected.
- ``still rejected``: today's decoder refuses it too (the reason says why).
- ``already resolved``: another re-drive resolved it first (they raced).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from auditlog.consumers.decoding import prepare
from auditlog.domain.errors import AuditError
from auditlog.ledger.append import EventColumns, Incoming, StaleBatch
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.rejected import RejectedMessage, Resolution, Unresolved

log = logging.getLogger(__name__)

PAGE = 500
_ATTEMPTS = 5
RESOLVED_BY = "auditlog rejected redrive"


@dataclass(frozen=True)
class Outcome:
    rejected_id: int
    outcome: str  # appended | duplicate | conflict | still rejected | already resolved
    detail: str  # the event id, or why not
    event_id: str | None = None


def decoded_today(row: Unresolved) -> EventColumns | str:
    """What today's decoder makes of a rejected message: its ledger columns, or why not."""
    try:
        return prepare(row.topic, [row.raw_value])[0]
    except Exception as exc:  # garbage must never crash a re-drive: say what happened instead
        return f"today's decoder failed: {type(exc).__name__}: {exc}"


def redrive(ledger: Ledger, *, ids: Sequence[int] | None = None, reason: str | None = None, dry_run: bool = False,
            progress: Callable[[int], None] | None = None) -> list[Outcome]:
    """Re-drive the unresolved rejected messages named by ``ids``, or whose reason contains
    ``reason``, or all (neither given)."""
    outcomes: list[Outcome] = []
    after = 0
    while True:
        with ledger.reading() as unit:
            page = unit.unresolved_rejected(ids=ids, reason=reason, after=after, limit=PAGE)
        if not page:
            return outcomes
        outcomes += _page(ledger, page, dry_run)
        after = page[-1].id
        if progress is not None:
            progress(len(page))


def _page(ledger: Ledger, page: list[Unresolved], dry_run: bool) -> list[Outcome]:
    decoded = {row.id: decoded_today(row) for row in page}
    for attempt in range(_ATTEMPTS):
        with ledger.reading() as unit:
            known = unit.known_events([c.event_id for c in decoded.values() if isinstance(c, EventColumns)])
        outcomes: dict[int, Outcome] = {}
        resolutions: list[Resolution] = []
        for row in page:
            columns = decoded[row.id]
            if isinstance(columns, str):
                outcomes[row.id] = Outcome(row.id, "still rejected", columns)
                continue
            event_id = columns.event_id
            stored = known.get(event_id)
            if stored is not None and stored != row.raw_value:
                outcomes[row.id] = Outcome(row.id, "conflict", f"event {event_id} is in the ledger with other bytes",
                                           event_id)
                continue
            duplicate = stored is not None
            incoming = Incoming(row.topic, row.partition, row.offset, columns, row.raw_value or b"", row.raw_key,
                                row.raw_headers, row.incarnation)
            resolutions.append(Resolution(row.id, incoming, duplicate))
            outcomes[row.id] = Outcome(row.id, "duplicate" if duplicate else "appended", event_id, event_id)
        if dry_run or not resolutions:
            return [outcomes[row.id] for row in page]
        try:
            with ledger.writing() as unit:
                won = set(unit.resolve_rejected(resolutions, RESOLVED_BY))
        except StaleBatch:
            log.info("re-drive: an event was stored meanwhile; looking again (%d)", attempt + 1)
            continue
        for item in resolutions:
            if item.rejected_id not in won:
                outcomes[item.rejected_id] = Outcome(item.rejected_id, "already resolved",
                                                     "another re-drive resolved it first",
                                                     item.incoming.columns.event_id)
        return [outcomes[row.id] for row in page]
    raise AuditError(f"re-drive gave up after {_ATTEMPTS} attempts: events kept arriving with the same ids")


def today_says(message: RejectedMessage) -> str:
    """One line: what today's decoder makes of a rejected message's bytes."""
    r = message.row
    columns = decoded_today(Unresolved(r.id, r.topic, r.partition, r.incarnation, r.offset, message.raw_key,
                                       message.raw_value, message.raw_headers, r.reason))
    if isinstance(columns, str):
        return f"still rejected: {columns}"
    return f"accepted: event {columns.event_id} ({columns.action} by {columns.actor_id} on {columns.target_id})"

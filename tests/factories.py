"""Small builders of valid events for tests."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import psycopg

from auditlog.domain.model import Actor, AdminAction, Target, new_event_id
from auditlog.ledger.append import Incoming, append_batch


def event(
    action: str = "account.deactivate",
    target: str = "a-1",
    at: datetime | str = "2017-11-02T22:58:02+00:00",
    actor: str = "c-17",
    kind: str = "contractor",
    **extra: object,
) -> AdminAction:
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    target_type = action.split(".", 1)[0]
    return AdminAction(
        event_id=new_event_id(),
        occurred_at=when.astimezone(UTC),
        actor=Actor(actor, kind, org="vendor-b" if kind == "contractor" else "socialco"),
        action=action,
        target=Target(target_type, target, f"@{target}"),
        **extra,  # type: ignore[arg-type]
    )


_offsets = itertools.count()


def append_events(conn: psycopg.Connection, events: Sequence[AdminAction], topic: str = "direct") -> None:
    """Append events straight to the ledger through its own append path, in one
    transaction (so one ``recorded_at``), in the order given (so increasing ``seq``).
    Use an autocommit connection to make each call its own transaction."""
    incoming = [Incoming.of(topic, 0, next(_offsets), e, e.event_id.encode(), b"test") for e in events]
    with conn.transaction():  # append_batch runs in its caller's transaction (a unit of work)
        append_batch(conn, "tests", incoming, [], {})

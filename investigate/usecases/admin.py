"""Looking after the ledger itself: bring its schema up to date, ask which events it holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from auditlog.ledger.gateway import Ledger


@dataclass(frozen=True)
class Migrated:
    applied: tuple[str, ...]  # the migrations applied now, as NNN_name; empty: already up to date


def migrate(ledger: Ledger) -> Migrated:
    return Migrated(tuple(f"{m.version:03d}_{m.name}" for m in ledger.migrate()))


def events_recorded(ledger: Ledger, event_ids: Sequence[str]) -> int:
    """How many of ``event_ids`` the ledger holds (the demo asks before emitting its day again)."""
    with ledger.reading() as unit:
        return unit.events_present(event_ids)

"""Writing account snapshots, which make ``state_at`` fast (never more right: see ledger/snapshots.py)."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.domain.account import SNAPSHOT_EVERY
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger.gateway import Ledger


@dataclass(frozen=True)
class SnapshotQuery:
    accounts: tuple[str, ...] = ()  # empty: every account with at least ``every`` events
    every: int = SNAPSHOT_EVERY  # events between snapshots


@dataclass(frozen=True)
class SnapshotsWritten:
    written: tuple[tuple[str, int], ...]  # (account, snapshots written now)

    @property
    def total(self) -> int:
        return sum(n for _, n in self.written)


def write_snapshots(ledger: Ledger, query: SnapshotQuery) -> SnapshotsWritten:
    if query.every < 1:
        raise Refused(Field("every"), ": must be at least 1")
    if query.accounts:
        accounts = list(query.accounts)
    else:
        with ledger.projecting() as unit:
            accounts = unit.accounts_to_snapshot(query.every)
    written = {}
    for account in accounts:  # a transaction per account: a long refresh never holds the whole ledger
        with ledger.projecting() as unit:
            written[account] = unit.refresh_snapshots(account, query.every)
    return SnapshotsWritten(tuple(written.items()))

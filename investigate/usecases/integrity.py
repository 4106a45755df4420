"""Tamper evidence: verify the chains and checkpoints, sign a checkpoint, make a signing key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditlog.domain.settings import Settings
from auditlog.ledger.checkpoints import exported
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key, key_id, load_private, load_public, public_path


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    chains: int
    checkpoints: int  # distinct checkpoints whose signature holds
    bad_rows: int
    signatures_checked: bool  # False: no signing key configured, signatures were not checked
    first_bad: Mapping[str, Any] | None  # the first bad row in ledger order, else the first bad checkpoint
    checkpoint_problems: tuple[Mapping[str, Any], ...]


def verify(ledger: Ledger, settings: Settings, *,
           progress: Callable[[int, int], None] | None = None) -> Verification:
    """Recompute every chain and check every checkpoint, from the database and the export file;
    ``progress(done, total)`` is called every few thousand rows."""
    public = load_public(settings.signing_key) if settings.signing_key else None
    from_file = exported(settings.checkpoint_export) if settings.checkpoint_export else []
    with ledger.reading() as unit:
        report = unit.verify(public_key=public, exported=from_file, progress=progress)
    return Verification(report.ok, report.events, report.chains, report.checkpoints, report.bad_rows,
                        report.signatures_checked, report.first_bad, tuple(report.checkpoint_problems))


@dataclass(frozen=True)
class Checkpointed:
    checkpoint_id: int | None  # None: the ledger is empty, nothing was signed
    events: int
    chains: int
    exported_to: Path | None

    @property
    def signed(self) -> bool:
        return self.checkpoint_id is not None


def checkpoint(ledger: Ledger, settings: Settings) -> Checkpointed:
    """Sign the head and length of every chain now; store it, then append it to the export file."""
    key = load_private(settings.require_signing_key())
    signed = ledger.checkpoint(key, settings.checkpoint_export)
    if signed is None:
        return Checkpointed(None, 0, 0, settings.checkpoint_export)
    chains = signed.chains()
    return Checkpointed(signed.id, sum(c.count for c in chains), len(chains), settings.checkpoint_export)


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    key_id: str


def init_keys(settings: Settings) -> KeyPair:
    """Make a development Ed25519 key pair at ``AUDITLOG_SIGNING_KEY``; never replaces one."""
    path = settings.require_signing_key()
    public = init_key(path)
    return KeyPair(path, public_path(path), key_id(public))

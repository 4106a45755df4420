"""Tamper evidence: verify the chains and checkpoints, sign a checkpoint, make a signing key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from auditlog.domain.settings import Settings
from auditlog.ledger.checkpoints import exported
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key, key_id, load_private, public_path
from auditlog.ledger.tree_checkpoints import exported as tree_exported


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
    tree: Mapping[str, Any] | None = None  # the Merkle tree's check (verify_tree.TreeReport.as_json)
    other_rows: Mapping[str, int] | None = None  # rows of the other record kinds (rejected, seals)


def verify(ledger: Ledger, settings: Settings, *,
           progress: Callable[[int, int], None] | None = None) -> Verification:
    """Recompute every chain and check every checkpoint, from the database and the export file;
    ``progress(done, total)`` is called every few thousand rows."""
    from auditlog.investigate.usecases.evidence import trusted_verifiers

    verifiers = trusted_verifiers(settings)
    keys = None if verifiers is None else [Ed25519PublicKey.from_public_bytes(v.public) for v in verifiers]
    from_file = exported(settings.checkpoint_export) if settings.checkpoint_export else []
    notes = tree_exported(settings.checkpoint_export) if settings.checkpoint_export else []
    with ledger.reading() as unit:
        report = unit.verify(keys=keys, exported=from_file, progress=progress, origin=settings.log_origin,
                             exported_notes=notes)
    return Verification(report.ok, report.events, report.chains, report.checkpoints, report.bad_rows,
                        report.signatures_checked, report.first_bad, tuple(report.checkpoint_problems),
                        report.tree.as_json() if report.tree else None, dict(report.other_rows))


@dataclass(frozen=True)
class Checkpointed:
    checkpoint_id: int | None  # None: the ledger is empty, nothing was signed
    events: int
    chains: int
    exported_to: Path | None
    tree_size: int | None = None  # the tree checkpoint signed with it (None: none new)

    @property
    def signed(self) -> bool:
        return self.checkpoint_id is not None


def checkpoint(ledger: Ledger, settings: Settings) -> Checkpointed:
    """Sign the head and length of every chain now; store it, then append it to the export file."""
    key = load_private(settings.require_signing_key())
    signed = ledger.checkpoint(key, settings.checkpoint_export)
    tree = ledger.sign_tree(key, settings.log_origin, settings.checkpoint_export)
    tree_size = None if tree is None else tree.size
    if signed is None:
        return Checkpointed(None, 0, 0, settings.checkpoint_export, tree_size)
    chains = signed.chains()
    events = sum(c.count for c in chains if c.kind == "event")
    return Checkpointed(signed.id, events, len(chains), settings.checkpoint_export, tree_size)


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    key_id: str


def init_keys(settings: Settings) -> KeyPair:
    """Make a development Ed25519 key pair at ``AUDITLOG_SIGNING_KEY``; never replaces one."""
    from auditlog.investigate.usecases.evidence import trust_current_key

    path = settings.require_signing_key()
    public = init_key(path)
    trust_current_key(settings)
    return KeyPair(path, public_path(path), key_id(public))

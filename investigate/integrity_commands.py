"""``auditlog verify``, ``auditlog keys init`` and ``auditlog checkpoint``: tamper evidence."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate import render
from auditlog.investigate.progress import Progress
from auditlog.ledger.checkpoints import exported
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import init_key, key_id, load_private, load_public
from auditlog.ledger.verify import Report


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    public = load_public(settings.signing_key) if settings.signing_key else None
    from_file = exported(settings.checkpoint_export) if settings.checkpoint_export else []
    bar: list[Progress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress("verifying", total).__enter__())
        bar[0].advance(done - bar[0].done)

    with Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        try:
            report = unit.verify(public_key=public, exported=from_file, progress=progress)
        finally:
            if bar:
                bar[0].__exit__(None, None, None)
    if args.json:
        render.emit_json(report.as_json())
    else:
        _print_report(report, settings)
    return 0 if report.ok else 1


def _print_report(report: Report, settings: Settings) -> None:
    if report.ok:
        print(f"ok: {report.events} events in {report.chains} chains verify; "
              f"{report.checkpoints} checkpoints hold")
    else:
        bad = report.first_bad or {}
        print(f"NOT OK: {bad.get('problem')}")
        for name in ("checkpoint", "topic", "partition", "seq", "kafka_offset", "expected", "found"):
            if name in bad:
                print(f"  {name:12} {bad[name]}")
        print(f"({report.events} events read, {report.bad_rows} bad rows, "
              f"{len(report.checkpoint_problems)} checkpoint problems)")
    if not report.signatures_checked:
        print("note: AUDITLOG_SIGNING_KEY is not set, so checkpoint signatures were not checked")


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    path = settings.require_signing_key()
    public = init_key(path)
    print(f"wrote a development Ed25519 key to {path} (public key {path}.pub), key id {key_id(public)}")
    return 0


def cmd_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    key = load_private(settings.require_signing_key())
    with Ledger.from_settings(settings) as ledger:
        checkpoint = ledger.checkpoint(key, settings.checkpoint_export)
    if checkpoint is None:
        print("the ledger is empty: nothing to sign")
    else:
        chains = checkpoint.chains()
        print(f"checkpoint {checkpoint.id}: {sum(c.count for c in chains)} events in {len(chains)} chains, "
              f"exported to {settings.checkpoint_export or '(no export file)'}")
    return 0

"""``auditlog verify``, ``keys init`` and ``checkpoint``: tamper evidence."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, open_ledger, print_lines


def register(sub: Subparsers) -> None:
    verify = sub.add_parser("verify", help="check the hash chains and signed checkpoints",
                            description="Recompute every partition's hash chain and check every signed "
                            "checkpoint (from the database and the export file). Names the first bad row "
                            "(partition, seq, expected vs found) or checkpoint. Exit 1 if anything is wrong.")
    verify.add_argument("--json", action="store_true",
                        help='print {"ok": bool, "events": n, "first_bad": {...} | null, ...}')
    verify.set_defaults(handler=run_verify)

    keys = sub.add_parser("keys", help="checkpoint signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    init = keys_sub.add_parser("init", help="make a development Ed25519 key at AUDITLOG_SIGNING_KEY (and .pub)")
    init.set_defaults(handler=run_keys_init)

    checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint of the chain heads now",
                                description="Sign the current head and length of every chain, store the "
                                "checkpoint and append it to AUDITLOG_CHECKPOINT_EXPORT (the writer also does "
                                "this by itself).")
    checkpoint.set_defaults(handler=run_checkpoint)


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.integrity import verify

    with open_ledger(settings) as ledger, _progress_bar("verifying") as progress:
        answer = verify(ledger, settings, progress=progress)
    if args.json:
        print(json.document(json.verification(answer)))
    else:
        print_lines(text.verification(answer))
    return 0 if answer.ok else 1


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback whose bar appears with the first call, once the total is known."""
    from auditlog.investigate.progress import Progress

    bar: list[Progress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(label, total).__enter__())
        bar[0].advance(done - bar[0].done)

    try:
        yield progress
    finally:
        if bar:
            bar[0].__exit__(None, None, None)


def run_keys_init(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.integrity import init_keys

    print_lines(text.key_pair(init_keys(settings)))
    return 0


def run_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.integrity import checkpoint

    with open_ledger(settings) as ledger:
        answer = checkpoint(ledger, settings)
    print_lines(text.checkpointed(answer))
    return 0

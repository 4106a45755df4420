"""``auditlog verify``, ``keys init`` and ``checkpoint``: tamper evidence."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, open_ledger, print_lines, show


def register(sub: Subparsers) -> None:
    verify = command(sub, "verify", "check the hash chains and signed checkpoints",
                     "Recompute every partition's hash chain (and those of rejected messages and seals) and "
                     "check every signed checkpoint (from the database and the export file); then rebuild the "
                     "Merkle tree from the ledger and hold every stored tile, root and signed tree checkpoint "
                     "to it. Names the first bad row (partition, seq, expected vs found), checkpoint or leaf. "
                     "Exit 1 if anything is wrong. Signatures are checked with the keys in "
                     "AUDITLOG_TRUSTED_KEYS and the one beside AUDITLOG_SIGNING_KEY (its .pub).",
                     ("auditlog verify", "auditlog verify --json    # exit 1 if not ok",
                      "AUDITLOG_SIGNING_KEY=$PWD/.devstack/keys/ledger.key auditlog verify"))
    verify.add_argument("--json", action="store_true",
                        help='print {"ok": bool, "events": n, "first_bad": {...} | null, ...}')
    verify.set_defaults(handler=run_verify)

    keys = command(sub, "keys", "checkpoint signing keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    init = command(keys_sub, "init", "make a development Ed25519 key at AUDITLOG_SIGNING_KEY (and .pub)",
                   "Make a development Ed25519 key pair: the private key at AUDITLOG_SIGNING_KEY (readable by "
                   "its owner only) and the public key beside it (.pub). Refuses to replace an existing key.",
                   ("AUDITLOG_SIGNING_KEY=$PWD/.devstack/keys/ledger.key auditlog keys init",))
    init.set_defaults(handler=run_keys_init)
    vkey = command(keys_sub, "vkey", "print the verifier key of the signing key (signed-note form)",
                   "Print <origin>+<8 hex key ID>+<base64(0x01 || Ed25519 public key)>: what an outsider "
                   "pins to check the log's checkpoints (Go's golang.org/x/mod/sumdb/note reads it too).",
                   ("auditlog keys vkey > ledger.vkey",))
    vkey.set_defaults(handler=run_keys_vkey)
    rotate = command(keys_sub, "rotate", "start a new signing key; the old one stays trusted",
                     "Move the signing key aside (<key>.<key ID>.retired) and make a new one at "
                     "AUDITLOG_SIGNING_KEY; both verifier keys go into AUDITLOG_TRUSTED_KEYS, so checkpoints "
                     "signed before keep verifying. Restart the writer and the tree builder afterwards.",
                     ("auditlog keys rotate",))
    rotate.set_defaults(handler=run_keys_rotate)

    checkpoint = command(sub, "checkpoint", "sign a checkpoint of the chain heads and the tree now",
                         "Sign the current head and length of every chain, and the Merkle tree as built (a "
                         "tlog-checkpoint signed note, after checking it extends the last one signed); store "
                         "both and append them to AUDITLOG_CHECKPOINT_EXPORT (the writer and the tree builder "
                         "also do this by themselves).",
                         ("AUDITLOG_SIGNING_KEY=$PWD/.devstack/keys/ledger.key auditlog checkpoint",))
    checkpoint.set_defaults(handler=run_checkpoint)


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.integrity import verify

    with open_ledger(settings) as ledger, _progress_bar("verifying") as progress:
        answer = verify(ledger, settings, progress=progress)
    show(args, json.verification, text.verification, answer)
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


def run_keys_vkey(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.usecases.evidence import current_verifier

    print(current_verifier(settings).vkey())
    return 0


def run_keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.evidence import rotate_keys

    print_lines(text.rotated(rotate_keys(settings)))
    return 0


def run_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.integrity import checkpoint

    with open_ledger(settings) as ledger:
        answer = checkpoint(ledger, settings)
    print_lines(text.checkpointed(answer))
    return 0

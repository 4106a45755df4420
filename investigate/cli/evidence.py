"""``auditlog tree``, ``prove``: the ledger as a transparency log (``keys vkey``/``rotate`` live
with the other key commands in ``integrity``)."""

from __future__ import annotations

import argparse

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, open_ledger, print_lines, show, whole_number


def register(sub: Subparsers) -> None:
    tree = command(sub, "tree", "grow the Merkle tree over the ledger (the transparency log)",
                   "Run the tree builder: every ledger row (events, rejected messages, seals), in feed "
                   "order, becomes a leaf of an RFC 6962 Merkle tree stored as c2sp.org/tlog-tiles. With "
                   "AUDITLOG_SIGNING_KEY it signs a tree checkpoint (a c2sp.org/tlog-checkpoint signed note "
                   "for AUDITLOG_LOG_ORIGIN) every AUDITLOG_CHECKPOINT_EVERY leaves or "
                   "AUDITLOG_CHECKPOINT_SECONDS, and when it stops. One builder per ledger.",
                   ("auditlog tree                 # runs until SIGTERM / Ctrl-C",
                    "auditlog tree --until-idle    # catch up, sign, exit"))
    tree.add_argument("--until-idle", action="store_true", help="exit once the tree holds every ledger row")
    tree.set_defaults(handler=run_tree)

    prove = command(sub, "prove", "prove an event is in the log, or that the log only grew",
                    "Inclusion: the event's leaf index, its leaf record (base64; SHA-256 of it is the tree's "
                    "entry), the RFC 9162 inclusion proof and the signed checkpoint of the tree it is proven "
                    "against. Consistency (--consistency OLD [NEW]): the RFC 9162 proof that the tree of NEW "
                    "leaves (default: the newest signed) extends the tree of OLD leaves. README, \"Evidence\", "
                    "shows how to check both without our code.",
                    ("auditlog prove 5f0c1d2e-...-9a --json",
                     "auditlog prove --consistency 120 4000 --json"))
    prove.add_argument("event_id", nargs="?", metavar="EVENT_ID", help="the event to prove")
    prove.add_argument("--consistency", nargs="+", type=whole_number, metavar="SIZE",
                       help="OLD_SIZE [NEW_SIZE]: prove the tree of NEW_SIZE extends that of OLD_SIZE")
    prove.add_argument("--json", action="store_true", help="machine-readable output")
    prove.set_defaults(handler=run_prove)


def run_tree(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.evidence import build_tree

    print_lines(text.tree_built(build_tree(settings, until_idle=args.until_idle)))
    return 0


def run_prove(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.domain.errors import BadInput
    from auditlog.investigate.render import json, text
    from auditlog.investigate.usecases.evidence import prove, prove_consistency

    if args.consistency is not None:
        if args.event_id is not None or len(args.consistency) > 2:
            raise BadInput("prove --consistency takes OLD_SIZE [NEW_SIZE] and no EVENT_ID")
        old, *new = args.consistency
        with open_ledger(settings) as ledger:
            answer = prove_consistency(ledger, settings, old, new[0] if new else None)
        return show(args, json.consistency_proof, text.consistency_proof, answer)
    if args.event_id is None:
        raise BadInput("prove needs an EVENT_ID (or --consistency OLD_SIZE [NEW_SIZE])")
    with open_ledger(settings) as ledger:
        proven = prove(ledger, settings, args.event_id)
    return show(args, json.inclusion_proof, text.inclusion_proof, proven)

"""``auditlog tree``, ``prove``: the ledger as a transparency log (``keys vkey``/``rotate`` live
with the other key commands in ``integrity``)."""

from __future__ import annotations

import argparse
from pathlib import Path

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

    serve = command(sub, "serve", "serve the HTTP API (/api/v1/...) and the transparency log (/log/)",
                    "Serve /api/v1/... (the investigator's questions, the reads log, lag, verify and tokens; "
                    "Authorization: Bearer TOKEN from `auditlog tokens create`, investigators also send "
                    "X-Audit-Case; every read is recorded before it is answered; /openapi.json describes it), "
                    "and /log/checkpoint and /log/tile/... (the transparency log: hashes only, no token). "
                    "Binds 127.0.0.1 unless told otherwise.",
                    ("auditlog serve", "auditlog serve --host 0.0.0.0 --port 8080",
                     "curl -H \"Authorization: Bearer $TOKEN\" -H 'X-Audit-Case: INC-1' "
                     "'http://127.0.0.1:8080/api/v1/accounts/acct-hos-0001/state?at=2017-11-02T23:00:00Z'",
                     "curl http://127.0.0.1:8080/log/checkpoint"))
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=whole_number, default=8080, help="port (default 8080)")
    serve.set_defaults(handler=run_serve)

    bundle = command(sub, "bundle", "write a self-contained evidence bundle of one account",
                     "Seal the account in the ledger (\"a bundle is made now\"), let the tree take the seal in, "
                     "and write every event of the account up to the seal with its record and inclusion proof, "
                     "the signed checkpoint they are proven against, the verifier key, and the account's state "
                     "at each --at time. `auditlog verify-bundle` checks it offline; so can anyone with the "
                     "verifier key (README, \"Evidence\"). --from/--to mark the events of interest; every event "
                     "of the account is in the bundle regardless (that is how it proves none is missing).",
                     ("auditlog bundle acct-hos-0001 --at 2017-11-02T19:00-04:00 --out hos.bundle.json",
                      "auditlog bundle acct-hos-0001 --from 2017-11-02T18:00 --to 2017-11-02T20:00 "
                      "--tz America/New_York --out hos.bundle.json"))
    bundle.add_argument("account", metavar="ACCOUNT")
    bundle.add_argument("--from", dest="start", metavar="TIME", help="first occurred_at of interest")
    bundle.add_argument("--to", dest="end", metavar="TIME", help="last occurred_at of interest")
    bundle.add_argument("--at", action="append", default=[], metavar="TIME",
                        help="include the account's state at this time (repeatable)")
    bundle.add_argument("--out", required=True, type=Path, metavar="FILE", help="where to write the bundle (JSON)")
    bundle.add_argument("--tz", help="zone for times without an offset")
    bundle.add_argument("--json", action="store_true", help="machine-readable summary")
    bundle.set_defaults(handler=run_bundle)

    check = command(sub, "verify-bundle", "check an evidence bundle offline (no database, no network)",
                    "Check the bundle's signed checkpoint with the verifier key you trust (its name is the log's "
                    "origin), every inclusion proof, that the bundle holds every event of the account up to its "
                    "seal, and every state answer (recomputed from the proven events). Exit 1 if anything fails.",
                    ("auditlog verify-bundle hos.bundle.json --vkey \"$(cat ledger.vkey)\"",))
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument("--vkey", required=True, metavar="VKEY",
                       help="the verifier key you trust (<origin>+<key ID>+<key>), or a file holding it")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--tz", help="display zone")
    check.set_defaults(handler=run_verify_bundle)


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


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from auditlog.investigate.api.app import create_app

    settings.require_database()
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def run_bundle(args: argparse.Namespace, settings: Settings) -> int:
    import json as jsonlib

    from auditlog.investigate.render import json, text
    from auditlog.investigate.times import parse_time, zone
    from auditlog.investigate.usecases.bundle import BundleQuery, make_bundle

    tz = zone(args.tz)
    query = BundleQuery(args.account, parse_time(args.start, tz, "--from") if args.start else None,
                        parse_time(args.end, tz, "--to") if args.end else None,
                        tuple(parse_time(t, tz, "--at") for t in args.at))
    with open_ledger(settings) as ledger:
        made = make_bundle(ledger, settings, query)
    args.out.write_text(jsonlib.dumps(made.document, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return show(args, json.bundle_made, text.bundle_made, made, args.out)


def run_verify_bundle(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.domain.errors import BadInput
    from auditlog.investigate.render import json, text
    from auditlog.investigate.times import zone
    from auditlog.investigate.usecases.bundle import check_bundle

    try:
        bundle = args.file.read_text(encoding="utf-8")
        vkey = Path(args.vkey).read_text(encoding="utf-8").strip() if "+" not in args.vkey else args.vkey
    except OSError as exc:
        raise BadInput(f"cannot read {exc.filename}: {exc.strerror}") from exc
    answer = check_bundle(bundle, vkey)
    show(args, json.bundle_check, text.bundle_check, answer, zone(args.tz))
    return 0 if answer.ok else 1

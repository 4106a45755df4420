"""``auditlog emit``: one admin action from flags, or a JSON-lines file of them, to the topic."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from auditlog.domain.catalog import ACTIONS, ActorKind
from auditlog.domain.errors import BadInput
from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, print_lines
from auditlog.investigate.times import parse_time, zone

_SINGLE_EVENT_FLAGS = ("actor", "actor_kind", "action", "target")


def register(sub: Subparsers) -> None:
    emit = command(
        sub, "emit", "emit one admin action, or a file of them, to Kafka",
        "Validate admin actions, encode them (Avro single-object encoding) and send "
        "them to the topic with acks=all. One event from the flags (prints its event id, partition "
        "and offset), or --file with one JSON event per line, e.g.\n\n"
        '  {"actor": {"id": "c-17", "kind": "contractor"}, "action": "account.deactivate",\n'
        '   "target": {"type": "account", "id": "a-1"}, "occurred_at": "2017-11-02T22:58:02Z",\n'
        '   "reason": "user report"}\n\n'
        "Field names are the schema's (schemas/admin_action.v2.avsc); event_id is made when absent. "
        "Bad lines are reported by number and the good ones still sent; exit 2 if any was refused.",
        ("auditlog emit --actor e-1 --actor-kind employee --action account.suspend --target acct-00042 \\",
         "              --reason spam --at 2017-11-02T12:00:00Z",
         "auditlog emit --actor c-vb-07 --actor-kind contractor --actor-org vendor-b \\",
         "              --action account.deactivate --target acct-hos-0001 --at 2017-11-02T18:58:02 \\",
         "              --tz America/New_York --reason 'user report'",
         "auditlog emit --file events.jsonl",
         "auditlog emit --file - < events.jsonl"))
    emit.add_argument("--file", help="JSON-lines file of events ('-' for standard input)")
    emit.add_argument("--actor", help="id of who performed the action")
    emit.add_argument("--actor-kind", choices=[k.value for k in ActorKind])
    emit.add_argument("--actor-org", help="employer or vendor of the actor")
    emit.add_argument("--action", choices=sorted(ACTIONS), metavar="ACTION",
                      help="one of: " + ", ".join(sorted(ACTIONS)))
    emit.add_argument("--target", help="id of the account, actor or content acted on")
    emit.add_argument("--handle", help="the target's handle, e.g. @someone")
    emit.add_argument("--at", help="when it happened (default: now)")
    emit.add_argument("--reason", help="why, as the admin gave it (e.g. 'user report')")
    emit.add_argument("--ticket", help="the support or change ticket behind the action")
    emit.add_argument("--tz", help="zone for --at without an offset, e.g. America/New_York")
    emit.set_defaults(handler=run_emit)


def run_emit(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.contract import NewAction, emit_action

    if args.file:
        given = [f"--{f.replace('_', '-')}" for f in _SINGLE_EVENT_FLAGS if getattr(args, f)]
        if given:
            raise BadInput(f"--file: cannot be combined with {', '.join(given)}")
        return _emit_file(args.file, settings)
    missing = [f"--{f.replace('_', '-')}" for f in _SINGLE_EVENT_FLAGS if not getattr(args, f)]
    if missing:
        raise BadInput(f"{', '.join(missing)} required (or give --file)")
    tz = zone(args.tz)
    new = NewAction(actor=args.actor, actor_kind=args.actor_kind, action=args.action, target=args.target,
                    actor_org=args.actor_org, handle=args.handle,
                    at=parse_time(args.at, tz, "--at") if args.at else None, reason=args.reason, ticket=args.ticket)
    print_lines(text.delivered(emit_action(settings, new)))
    return 0


def _emit_file(name: str, settings: Settings) -> int:
    from auditlog.investigate.progress import Progress
    from auditlog.investigate.render import text
    from auditlog.investigate.usecases.contract import emit_jsonl

    total = None if name == "-" else _count_lines(Path(name))
    with Progress("emit", total) as bar:
        answer = emit_jsonl(settings, _lines(name), progress=bar.advance)
    print_lines(text.bulk_refusals(answer, name), sys.stderr)
    print_lines(text.bulk_emitted(answer, name))
    return 2 if answer.refused else 0


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError as exc:
        raise BadInput(f"--file: cannot read {path} ({exc.strerror})") from exc


def _lines(name: str) -> Iterator[str]:
    stream: TextIO = sys.stdin if name == "-" else open(name, encoding="utf-8", errors="replace")  # noqa: SIM115
    try:
        yield from stream
    finally:
        if stream is not sys.stdin:
            stream.close()

"""``auditlog emit`` and ``auditlog schemas check``: the write side of the event contract."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from auditlog.domain.catalog import target_type_of
from auditlog.domain.errors import BadInput
from auditlog.domain.model import Actor, AdminAction, Target, new_event_id
from auditlog.domain.settings import Settings
from auditlog.investigate import render
from auditlog.investigate.progress import Progress
from auditlog.investigate.times import parse_time, zone
from auditlog.producers.bulk import emit_lines
from auditlog.producers.producer import AuditProducer
from auditlog.producers.topics import ensure_topic
from auditlog.schemas.check import check, load_candidate

_SINGLE_EVENT_FLAGS = ("actor", "actor_kind", "action", "target")


def cmd_emit(args: argparse.Namespace, settings: Settings) -> int:
    if args.file:
        given = [f"--{f.replace('_', '-')}" for f in _SINGLE_EVENT_FLAGS if getattr(args, f)]
        if given:
            raise BadInput(f"--file: cannot be combined with {', '.join(given)}")
        return _emit_file(args.file, settings)
    missing = [f"--{f.replace('_', '-')}" for f in _SINGLE_EVENT_FLAGS if not getattr(args, f)]
    if missing:
        raise BadInput(f"{', '.join(missing)} required (or give --file)")
    tz = zone(args.tz)
    at = parse_time(args.at, tz, "--at") if args.at else datetime.now(UTC)
    target_type = target_type_of(args.action)
    event = AdminAction(
        event_id=new_event_id(),
        occurred_at=at.astimezone(UTC),
        actor=Actor(args.actor, args.actor_kind, org=args.actor_org),
        action=args.action,
        target=Target(target_type.value if target_type else "account", args.target, args.handle),
        reason=args.reason,
        ticket=args.ticket,
    ).validate()
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer:
        meta = producer.emit(event)
    print(f"emitted {event.event_id} to {meta.topic}[{meta.partition}] at offset {meta.offset}")
    return 0


def _emit_file(name: str, settings: Settings) -> int:
    total = None if name == "-" else _count_lines(Path(name))
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer, Progress("emit", total) as bar:
        report = emit_lines(producer, _lines(name), progress=bar.advance)
    for number, reason in report.refused:
        print(f"{name}:{number}: {reason}", file=sys.stderr)
    print(f"emitted {report.sent} events from {name}; {len(report.refused)} lines refused")
    return 2 if report.refused else 0


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


def cmd_schemas(args: argparse.Namespace, settings: Settings) -> int:
    candidate = None
    if args.candidate:
        path = Path(args.candidate)
        candidate = (path.name, load_candidate(path))
    findings = check(candidate)
    if args.json:
        render.emit_json({"ok": not findings, "problems": [
            {"reader": f.reader, "writer": f.writer, "path": f.problem.path, "reason": f.problem.reason}
            for f in findings]})
    elif findings:
        for finding in findings:
            print(finding)
    else:
        from auditlog.schemas import registry

        names = [f"v{v.version}" for v in registry.versions()] + ([candidate[0]] if candidate else [])
        print(f"compatible: {', '.join(names)} all read each other's data")
    return 1 if findings else 0

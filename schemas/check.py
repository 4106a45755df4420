"""``auditlog schemas check``: every shipped version (and an optional candidate) must
stay fully compatible with every other: new readers read old data, old readers read new."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditlog.domain.errors import BadInput
from auditlog.schemas import registry
from auditlog.schemas.compatibility import Problem, reader_problems
from auditlog.schemas.registry import SchemaVersion


@dataclass(frozen=True)
class Finding:
    reader: str  # "v1", "v2" or the candidate's file name
    writer: str
    problem: Problem

    def __str__(self) -> str:
        return f"reader {self.reader} cannot read writer {self.writer}'s data: {self.problem}"


def load_candidate(path: Path) -> SchemaVersion:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return registry.from_text(0, text)
    except Exception as exc:  # json or fastavro: either way it is not a usable schema
        raise BadInput(f"{path}: not a valid Avro schema: {str(exc).splitlines()[0]}") from exc


def check(candidate: tuple[str, SchemaVersion] | None = None) -> list[Finding]:
    named = [(f"v{v.version}", v) for v in registry.versions()]
    if candidate is not None:
        named.append(candidate)
    findings = []
    for reader_name, reader in named:
        for writer_name, writer in named:
            if reader is writer:
                continue
            findings += [Finding(reader_name, writer_name, p) for p in reader_problems(reader.raw, writer.raw)]
    return findings

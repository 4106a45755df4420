"""The schema versions shipped with auditlog, keyed by CRC-64-AVRO fingerprint.

Each version is a file ``admin_action.vN.avsc`` beside this module; the newest
is the reader schema. Files are never edited once released: a change is a new
version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fastavro import parse_schema
from fastavro.schema import fingerprint, to_parsing_canonical_form

_VERSION_FILE = re.compile(r"^admin_action\.v(\d+)\.avsc$")


@dataclass(frozen=True)
class SchemaVersion:
    version: int
    fingerprint: bytes  # 8 bytes, little-endian, as written on the wire
    parsed: Any  # fastavro's parsed schema
    raw: Any  # the .avsc document as written, for the compatibility checker

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()


@cache
def versions() -> tuple[SchemaVersion, ...]:
    """Every shipped version, oldest first."""
    found = []
    for entry in resources.files(__package__).iterdir():
        match = _VERSION_FILE.match(entry.name)
        if match:
            found.append(from_text(int(match.group(1)), entry.read_text(encoding="utf-8")))
    return tuple(sorted(found, key=lambda v: v.version))


def from_text(version: int, text: str) -> SchemaVersion:
    """A schema version from .avsc text; raises ValueError (bad JSON or not Avro)."""
    raw = json.loads(text)
    # the default hint marks it parsed: without it fastavro re-parses the schema on every
    # read, which costs half the time of decoding an event
    parsed = parse_schema(raw)
    canonical = to_parsing_canonical_form(parsed)
    return SchemaVersion(version, bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO")), parsed, raw)


def current() -> SchemaVersion:
    return versions()[-1]


def by_fingerprint(fp: bytes) -> SchemaVersion | None:
    for version in versions():
        if version.fingerprint == fp:
            return version
    return None

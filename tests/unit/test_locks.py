"""Every advisory lock in the code and the SQL is one ledger/locks.py names."""

from __future__ import annotations

import re
from pathlib import Path

from auditlog.ledger import locks

REPO = Path(__file__).resolve().parents[2]
ROOMS = ("domain", "schemas", "producers", "ledger", "consumers", "investigate", "devstack")
_CALL = re.compile(r"pg_(?:try_)?advisory_(?:xact_)?(?:un)?lock(?:_shared)?\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)")


def _calls(text: str) -> list[str]:
    """The argument text of every advisory lock call in ``text``."""
    return [m.group(1).strip() for m in _CALL.finditer(text)]


def test_keys_and_classes_are_distinct() -> None:
    keys = [k.key for k in locks.KEYS]
    classes = [c.class_id for c in locks.CLASSES]
    assert len(set(keys)) == len(keys) and len(set(classes)) == len(classes)
    assert all(k.taken_by and k.why for k in locks.KEYS) and all(c.taken_by and c.why for c in locks.CLASSES)


def test_every_literal_key_in_the_sql_is_registered() -> None:
    registered = {str(k.key) for k in locks.KEYS}
    sql_files = sorted((REPO / "ledger").rglob("*.sql"))
    found = [(path.name, args) for path in sql_files for args in _calls(path.read_text())]
    assert found, "no advisory lock found in the SQL: the pattern is broken"
    for name, args in found:
        literals = re.findall(r"\b\d{4,}\b", args)
        if literals:
            assert set(literals) <= registered, f"{name}: unregistered lock key in {args}"
        elif "%(" not in args:  # a parameter is filled from the registry by the code
            assert f"pg_advisory_xact_lock({args})" == locks.CHAIN_LOCK_SQL, f"{name}: unregistered lock {args}"


def test_every_python_lock_call_takes_its_key_from_the_registry() -> None:
    callers = []
    for room in ROOMS:
        for path in sorted((REPO / room).rglob("*.py")):
            text = path.read_text()
            if path.name == "locks.py" or not _calls(text):
                continue
            callers.append(path.name)
            assert "auditlog.ledger.locks" in text or "from auditlog.ledger import locks" in text, (
                f"{path}: takes an advisory lock without the registry")
            for args in _calls(text):
                assert not re.search(r"\b\d{4,}\b", args), f"{path}: a literal lock key {args}"
    assert callers, "no advisory lock call found in the code: the pattern is broken"

"""The schema checker catches every kind of incompatible edit, and passes the shipped versions."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from auditlog.investigate.cli import main
from auditlog.schemas import registry
from auditlog.schemas.check import check
from auditlog.schemas.compatibility import full_problems, reader_problems


def current() -> Any:
    return copy.deepcopy(registry.current().raw)


def field(schema: Any, name: str) -> Any:
    return next(f for f in schema["fields"] if f["name"] == name)


def test_every_shipped_version_reads_every_other() -> None:
    assert len(registry.versions()) >= 2
    assert check() == []


def _remove_action(s: Any) -> None:
    s["fields"] = [f for f in s["fields"] if f["name"] != "action"]


def _ticket_becomes_int(s: Any) -> None:
    field(s, "ticket")["type"] = ["null", "int"]


def _rename_contractor(s: Any) -> None:
    field(s, "actor")["type"]["fields"][1]["type"]["symbols"][1] = "vendor_staff"


def _add_required_field(s: Any) -> None:
    s["fields"].append({"name": "tenant", "type": "string"})


def _narrow_occurred_at(s: Any) -> None:
    field(s, "occurred_at")["type"] = "int"


def _rename_record(s: Any) -> None:
    field(s, "target")["type"]["name"] = "Object"


def _drop_union_branch(s: Any) -> None:
    field(s, "reason")["type"] = "null"


@pytest.mark.parametrize(
    ("edit", "path", "words"),
    [
        (_remove_action, "action", "no default"),
        (_ticket_becomes_int, "ticket", "cannot be read"),
        (_rename_contractor, "actor.kind", "['contractor']"),
        (_add_required_field, "tenant", "no default"),
        (_narrow_occurred_at, "occurred_at", "type changed from long to int"),
        (_rename_record, "target", "renamed"),
        (_drop_union_branch, "reason", "cannot be read"),
    ],
)
def test_an_incompatible_edit_is_caught_with_its_path(edit: Any, path: str, words: str) -> None:
    candidate = current()
    edit(candidate)
    problems = [p for _, p in full_problems(registry.current().raw, candidate)]
    assert problems, "the checker let an incompatible edit through"
    assert any(p.path == path and words in p.reason for p in problems), [str(p) for p in problems]


def test_compatible_edits_pass() -> None:
    candidate = current()
    candidate["fields"].append({"name": "tenant", "type": ["null", "string"], "default": None})
    assert full_problems(registry.current().raw, candidate) == []
    # promotion int -> long is allowed one way only
    assert reader_problems("long", "int") == []
    assert reader_problems("int", "long") != []


def test_an_enum_with_a_default_reads_symbols_it_does_not_know() -> None:
    writer = {"type": "enum", "name": "K", "symbols": ["a", "b", "new"]}
    assert reader_problems({"type": "enum", "name": "K", "symbols": ["a", "b"]}, writer) != []
    assert reader_problems({"type": "enum", "name": "K", "symbols": ["a", "b"], "default": "a"}, writer) == []


def test_schemas_check_command_fails_on_a_bad_candidate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    candidate = current()
    _remove_action(candidate)
    path = tmp_path / "admin_action.v3.avsc"
    path.write_text(json.dumps(candidate))
    assert main(["schemas", "check", "--candidate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "admin_action.v3.avsc" in out and "action: missing" in out
    assert main(["schemas", "check"]) == 0


def test_schemas_check_refuses_a_file_that_is_not_a_schema(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.avsc"
    path.write_text("{not json")
    assert main(["schemas", "check", "--candidate", str(path)]) == 2
    assert "not a valid Avro schema" in capsys.readouterr().err

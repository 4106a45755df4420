"""Avro schema resolution rules (Avro spec, "Schema Resolution"), as a checker.

``reader_problems(reader, writer)`` lists every reason data written with
``writer`` could not be read with ``reader``. Full compatibility between two
versions means no problems in either direction: new readers read old data and
old readers read new data. Schemas are the JSON documents of the ``.avsc`` files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
# writer type -> reader types it may be promoted to
PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.reason}"


def reader_problems(reader: Any, writer: Any) -> list[Problem]:
    return _Resolver().check(reader, writer, "", "", "")


def full_problems(old: Any, new: Any) -> list[tuple[str, Problem]]:
    """Problems in both directions, each tagged with the direction that fails."""
    return [("new reader, old data", p) for p in reader_problems(new, old)] + [
        ("old reader, new data", p) for p in reader_problems(old, new)
    ]


class _Resolver:
    def __init__(self) -> None:
        self.reader_names: dict[str, Any] = {}
        self.writer_names: dict[str, Any] = {}

    def check(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> list[Problem]:
        r, r_ns = self._resolve(r, r_ns, self.reader_names)
        w, w_ns = self._resolve(w, w_ns, self.writer_names)
        if isinstance(w, list):  # every branch the writer may have used must be readable
            problems = []
            for branch in w:
                if self._readable(r, branch, path, r_ns, w_ns):
                    continue
                where = "any branch of the reader's union" if isinstance(r, list) else _type_name(r)
                problems.append(Problem(path, f"writer's {_type_name(branch)} cannot be read as {where}"))
            return problems
        if isinstance(r, list):
            if any(self._readable(branch, w, path, r_ns, w_ns) for branch in r):
                return []
            return [Problem(path, f"no branch of the reader's union reads the writer's {_type_name(w)}")]
        r_type, w_type = _type_of(r), _type_of(w)
        if r_type in PRIMITIVES or w_type in PRIMITIVES:
            if r_type == w_type or r_type in PROMOTIONS.get(w_type, set()):
                return []
            return [Problem(path, f"type changed from {w_type} to {r_type}")]
        if r_type != w_type:
            return [Problem(path, f"type changed from {w_type} to {r_type}")]
        named = r_type in ("record", "enum", "fixed")
        if named and _full_name(r, r_ns) != _full_name(w, w_ns) and _full_name(w, w_ns) not in _aliases(r, r_ns):
            return [Problem(path, f"named type renamed from {_full_name(w, w_ns)} to {_full_name(r, r_ns)}")]
        checker = getattr(self, f"_{r_type}", None)
        return checker(r, w, path, _namespace(r, r_ns), _namespace(w, w_ns)) if checker else []

    def _record(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> list[Problem]:
        written = {f["name"]: f for f in w["fields"]}
        problems = []
        for field in r["fields"]:
            here = f"{path}.{field['name']}" if path else field["name"]
            names = [field["name"], *field.get("aliases", [])]
            source = next((written[n] for n in names if n in written), None)
            if source is not None:
                problems += self.check(field["type"], source["type"], here, r_ns, w_ns)
            elif "default" not in field:
                problems.append(Problem(here, "missing from the writer's data and the reader has no default"))
        return problems

    def _enum(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> list[Problem]:
        unknown = [s for s in w["symbols"] if s not in r["symbols"]]
        if unknown and "default" not in r:
            return [Problem(path, f"writer symbols {unknown} are unknown to the reader, which has no default")]
        return []

    def _array(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> list[Problem]:
        return self.check(r["items"], w["items"], f"{path}[]", r_ns, w_ns)

    def _map(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> list[Problem]:
        return self.check(r["values"], w["values"], f"{path}{{}}", r_ns, w_ns)

    def _fixed(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> list[Problem]:
        return [] if r["size"] == w["size"] else [Problem(path, f"fixed size changed from {w['size']} to {r['size']}")]

    def _readable(self, r: Any, w: Any, path: str, r_ns: str, w_ns: str) -> bool:
        return not self.check(r, w, path, r_ns, w_ns)

    @staticmethod
    def _resolve(schema: Any, namespace: str, names: dict[str, Any]) -> tuple[Any, str]:
        """Follow named references; remember named definitions as they are met."""
        if isinstance(schema, str) and schema not in PRIMITIVES:
            full = schema if "." in schema else f"{namespace}.{schema}" if namespace else schema
            found = names.get(full, names.get(schema))
            if found is None:
                raise ValueError(f"unknown named type {schema!r}")
            return found, _namespace(found, namespace)
        if isinstance(schema, dict):
            kind = schema.get("type")
            if kind in ("record", "enum", "fixed", "error"):
                names[_full_name(schema, namespace)] = schema
            elif kind in PRIMITIVES or isinstance(kind, (dict, list)):
                # {"type": "long", "logicalType": ...}: resolution goes by the underlying type
                return _Resolver._resolve(kind, namespace, names)
        return schema, namespace


def _type_of(schema: Any) -> str:
    if isinstance(schema, str):
        return schema
    kind = schema["type"]
    return "record" if kind == "error" else str(kind)


def _type_name(schema: Any) -> str:
    if isinstance(schema, list):
        return "union"
    if isinstance(schema, dict) and "name" in schema:
        return f"{schema['type']} {schema['name']}"
    return _type_of(schema) if not isinstance(schema, dict) else str(schema.get("type"))


def _namespace(schema: Any, enclosing: str) -> str:
    if not isinstance(schema, dict) or "name" not in schema:
        return enclosing
    name = schema["name"]
    return str(name.rsplit(".", 1)[0] if "." in name else schema.get("namespace", enclosing))


def _full_name(schema: Any, enclosing: str) -> str:
    name = schema["name"]
    if "." in name:
        return str(name)
    namespace = schema.get("namespace", enclosing)
    return f"{namespace}.{name}" if namespace else str(name)


def _aliases(schema: Any, enclosing: str) -> set[str]:
    namespace = _namespace(schema, enclosing)
    return {a if "." in a else f"{namespace}.{a}" for a in schema.get("aliases", [])}

"""The payload's text exactly as Postgres prints it back from the ``jsonb`` column.

The hash chain covers the payload's text (``payload::text``), and the writer must
hash a row before it stores it. jsonb does not keep the text it was given: it
prints object keys shortest first, then bytewise, with ``", "`` and ``": "``
between items, strings escaped as below. Making that text here, instead of asking
the server for it, saves a round trip of every payload per batch. A payload is
schema-shaped: objects, arrays, strings and nulls only (no numbers, no booleans),
and validation has refused NUL, which jsonb cannot hold. ``tests/integration``
holds this text equal to the server's on generated events.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

# Python's and Postgres' (escape_json) string escaping agree: \" \\ \b \f \n \r \t,
# any other control character as \u00xx in lowercase hex, everything else as itself
_STRING = encode_basestring
# key order per object shape: payloads have a handful of shapes, met once per event each
_ORDERS: dict[tuple[str, ...], list[str]] = {}


def jsonb_text(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _STRING(value)
    if isinstance(value, dict):
        shape = tuple(value)
        keys = _ORDERS.get(shape)
        if keys is None:
            keys = sorted(value, key=lambda k: (len(k.encode("utf-8")), k.encode("utf-8")))
            if len(_ORDERS) < 256:
                _ORDERS[shape] = keys
        return "{" + ", ".join([f"{_STRING(k)}: {jsonb_text(value[k])}" for k in keys]) + "}"
    if isinstance(value, list):
        return "[" + ", ".join([jsonb_text(item) for item in value]) + "]"
    raise TypeError(f"a payload holds objects, arrays, strings and nulls, not {type(value).__name__}")

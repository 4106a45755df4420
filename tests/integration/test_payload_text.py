"""The payload text the writer hashes is, byte for byte, what Postgres prints back from jsonb."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from auditlog.domain.model import AdminAction
from auditlog.domain.plain import to_plain
from auditlog.ledger.payload import jsonb_text
from tests.strategies import admin_actions

ODD_STRINGS = ['quote " backslash \\ slash /', "tab\tnew\nline\rcr\bbs\fff", "\x01\x1f\x7f", "Zoë ☃ 🙂",
               "\u2028\u2029", "", " ", "ключ", "\\u0041 stays text"]


@pytest.fixture(scope="module")
def conn(database_url: str) -> psycopg.Connection:
    with psycopg.connect(database_url, autocommit=True) as connection:
        yield connection  # type: ignore[misc]


def printed(conn: psycopg.Connection, text: str) -> str:
    row = conn.execute("SELECT %s::jsonb::text", (text,)).fetchone()
    assert row is not None
    return str(row[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(event=admin_actions())
def test_generated_events_print_as_the_server_prints_them(conn: psycopg.Connection, event: AdminAction) -> None:
    text = jsonb_text(to_plain(event, iso_times=True))
    assert printed(conn, text) == text


def test_odd_strings_and_keys_print_as_the_server_prints_them(conn: psycopg.Connection) -> None:
    value = {s: [s, None, {"b": s, "aa": [], "a": {}}] for s in ODD_STRINGS}
    text = jsonb_text(value)
    assert printed(conn, text) == text


def test_anything_but_objects_arrays_strings_and_nulls_is_refused() -> None:
    with pytest.raises(TypeError):
        jsonb_text({"n": 1})

"""The API across a Postgres crash: while it is down a read is a 503 with its reason (never a 500,
never an answer without its read on the record), and once it is back the server answers again by
itself, each answer's read on the record."""

from __future__ import annotations

import time

import httpx
import psycopg
import pytest

from auditlog.domain.settings import Settings
from auditlog.ledger.gateway import Ledger
from tests.api_server import headers, make_token, serving
from tests.factories import append_events, event

CASE = "INC-RESTART"
ROUTES = ("/api/v1/accounts/acct-1/state?at=2017-11-03T00:00:00Z", "/api/v1/events?target=acct-1&limit=5")


def _recorded(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM reads WHERE case_id = %s", (CASE,)).fetchone()
    return int(row[0]) if row else 0


def test_reads_are_refused_while_postgres_is_down_and_answered_once_it_is_back(
        database_url: str, settings: Settings, local_stack: object) -> None:
    if local_stack is None:
        pytest.skip("needs the session's own Postgres (not external services) to crash it")
    from auditlog.devstack.stack import Stack

    assert isinstance(local_stack, Stack)
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, [event("account.create", "acct-1", "2017-11-02T09:00:00+00:00", "svc", "service"),
                             event("account.deactivate", "acct-1", "2017-11-02T22:58:02+00:00")])
    with Ledger(database_url) as ledger:
        token = make_token(ledger, "investigator")
    with serving(settings) as base, httpx.Client(base_url=base, timeout=30) as api:
        ask = headers(token, CASE)
        assert [api.get(route, headers=ask).status_code for route in ROUTES] == [200, 200]
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("CHECKPOINT")  # the test stack commits without waiting for its WAL: keep what came before
        local_stack.postgres.stop("immediate")  # a crash: every connection of the server's pools breaks
        try:
            while_down = [api.get(ROUTES[0], headers=ask)]  # waits out the pool's 10 s for a connection
        finally:
            local_stack.postgres.restart_same_port()
        assert {r.status_code for r in while_down} == {503}, [r.text for r in while_down]
        assert all(r.json()["detail"] for r in while_down)
        answered, refused, deadline = [], 0, time.monotonic() + 30
        while len(answered) < 4 and time.monotonic() < deadline:  # each broken pooled connection is renewed
            answer = api.get(ROUTES[len(answered) % 2], headers=ask)
            assert answer.status_code in (200, 503), answer.text
            if answer.status_code == 200:
                answered.append(answer.json())
            else:
                refused += 1
                time.sleep(0.2)
        assert len(answered) == 4, "the server did not answer again after Postgres came back"
        assert answered[0]["status"] == "deactivated" and len(answered[1]["events"]) == 2
    # every answer's read is on the record; a read refused after it was recorded (the answer's
    # connection broke) stays there, unanswered; nothing was recorded while Postgres was down
    assert 2 + 4 <= _recorded(database_url) <= 2 + 4 + refused

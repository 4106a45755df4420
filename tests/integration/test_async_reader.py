"""The event loop's reader (``ledger.reader.AsyncReader``, the API's state and who) against the real
Postgres: every answer equals the threaded path's (``Ledger.reading()``), with snapshots, late
events, both clocks, scopes and pages; its connections are the reader role, read-only; a login
that may not be the reader role is refused when the reader opens, with the reason."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from auditlog.domain.errors import AuditError, ServiceUnavailable
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.read import WhoFilter
from auditlog.ledger.reader import AsyncReader
from auditlog.ledger.snapshots import refresh_snapshots
from tests.factories import append_events, event

BASE = datetime(2017, 11, 2, 18, 0, tzinfo=UTC)
ACTIONS = ["account.update", "account.deactivate", "account.reactivate", "account.protect", "account.suspend",
           "account.unsuspend", "account.unprotect"]


@pytest.fixture(scope="module")
def ledger(database_url: str) -> Iterator[tuple[Ledger, datetime]]:
    """Three accounts, 30 events each, snapshots every 7; then late events behind the snapshots."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        story = []
        for n in (1, 2, 3):
            story.append(event("account.create", f"acct-{n}", BASE, "svc", "service"))
            story += [event(ACTIONS[(n + m) % len(ACTIONS)], f"acct-{n}", BASE + timedelta(minutes=m),
                            f"c-{m % 4}") for m in range(1, 30)]
        append_events(conn, story)
        for n in (1, 2, 3):
            assert refresh_snapshots(conn, f"acct-{n}", every=7) > 0
        time.sleep(0.01)
        before_late = datetime.now(UTC)
        time.sleep(0.01)
        append_events(conn, [event("account.deactivate", "acct-1", BASE + timedelta(minutes=m, seconds=30), "c-late")
                             for m in (3, 12, 25)])
    with Ledger(database_url) as gateway:
        yield gateway, before_late


def _both(database_url: str, ask: object) -> list[object]:
    async def run() -> list[object]:
        reader = AsyncReader(database_url, size=2)
        await reader.open()
        try:
            return await ask(reader)  # type: ignore[operator]
        finally:
            await reader.close()

    return asyncio.run(run())


def test_state_on_the_loop_equals_the_threaded_state_and_full_replay(ledger: tuple[Ledger, datetime],
                                                                       database_url: str) -> None:
    gateway, before_late = ledger
    questions = [(f"acct-{n}", BASE + timedelta(minutes=m, seconds=s), known)
                 for n in (1, 2, 3) for m in range(-1, 32, 3) for s in (0, 45) for known in (None, before_late)]

    async def ask(reader: AsyncReader) -> list[object]:
        return [await reader.state_at(account, at, known) for account, at, known in questions]

    answers = _both(database_url, ask)
    with gateway.reading() as unit:
        threaded = [unit.state_at(account, at, known) for account, at, known in questions]
        replayed = [unit.state_by_replay(account, at, known) for account, at, known in questions]
    assert answers == threaded == replayed
    assert len({str(a) for a in answers}) > 10  # the questions have many different answers


def test_who_on_the_loop_equals_the_threaded_who_page_by_page_and_within_a_scope(ledger: tuple[Ledger, datetime],
                                                                                  database_url: str) -> None:
    gateway, before_late = ledger
    filters = [WhoFilter(), WhoFilter(target="acct-2"), WhoFilter(actor="c-1", known_at=before_late),
               WhoFilter(start=BASE + timedelta(minutes=10), end=BASE + timedelta(minutes=20)),
               WhoFilter(scope_orgs=(), scope_accounts=("acct-3",))]

    async def ask(reader: AsyncReader) -> list[object]:
        every = []  # per filter: its pages of 8, put end to end
        for where in filters:
            rows: list[object] = []
            while True:
                page = await reader.who(where, limit=8, after=(rows[-1].event.occurred_at, rows[-1].seq)  # type: ignore[attr-defined]
                                        if rows else None)
                rows += page
                if len(page) < 8:
                    break
            every.append(rows)
        return every

    every = _both(database_url, ask)
    with gateway.reading() as unit:
        expected = [unit.who_all(where) for where in filters]
    assert every == expected and len(expected[0]) > 8 * 10  # many pages
    assert expected[4] and all(r.event.target.id == "acct-3" for r in expected[4])


def test_its_connections_are_the_reader_role_and_read_only(database_url: str) -> None:
    async def ask(reader: AsyncReader) -> list[object]:
        return [await reader._rows("SELECT current_user, current_setting('transaction_read_only')", {})]

    [[(user, read_only)]] = _both(database_url, ask)
    assert (user, read_only) == ("auditlog_reader", "on")

    async def write(reader: AsyncReader) -> list[object]:
        return [await reader._rows("INSERT INTO tokens (id) VALUES ('x') RETURNING id", {})]

    with pytest.raises(AuditError, match="read-only transaction"):
        _both(database_url, write)


def test_a_login_that_may_not_be_the_reader_role_is_refused_at_open_with_the_reason(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS t_not_a_reader")
        admin.execute("CREATE ROLE t_not_a_reader LOGIN")  # a member of no auditlog role
    try:
        async def open_as_outsider() -> None:
            reader = AsyncReader(make_conninfo(database_url, user="t_not_a_reader"), size=1, timeout_s=1.5)
            await reader.open()

        with pytest.raises(ServiceUnavailable, match="as role auditlog_reader.*member of auditlog_reader"):
            asyncio.run(open_as_outsider())
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("DROP ROLE t_not_a_reader")

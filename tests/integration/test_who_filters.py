"""Who-did-what's statement holds only the filters given (``ledger.read.who_statement``): every
combination of filters answers exactly the events a plain Python filter over the whole ledger
keeps, in event-time order, page after page."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from auditlog.domain.model import Actor
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.read import LedgerEvent, WhoFilter
from tests.factories import append_events, event

BASE = datetime(2017, 11, 2, 18, 0, tzinfo=UTC)
ACTIONS = ("account.update", "account.deactivate", "account.reactivate")


@pytest.fixture(scope="module")
def ledger(database_url: str) -> Iterator[tuple[Ledger, datetime]]:
    """Two batches, recorded apart (for known_at): actors of two orgs and two kinds on four accounts."""
    def story(first: int) -> list[Any]:
        return [replace(e, actor=Actor(e.actor.id, e.actor.kind, org=f"vendor-{'ab'[m % 2]}"))
                for m in range(first, first + 40)
                for e in [event(ACTIONS[m % 3], f"acct-{m % 4}", BASE + timedelta(minutes=(m * 7) % 60),
                                f"c-{m % 5}", "contractor" if m % 3 else "employee")]]

    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, story(0))
        time.sleep(0.01)
        between = datetime.now(UTC)
        time.sleep(0.01)
        append_events(conn, story(40))
    with Ledger(database_url) as gateway:
        yield gateway, between


def _keeps(where: WhoFilter, row: LedgerEvent) -> bool:
    e = row.event
    return ((where.actor is None or e.actor.id == where.actor)
            and (where.actor_kind is None or e.actor.kind == where.actor_kind)
            and (where.org is None or e.actor.org == where.org)
            and (where.target is None or e.target.id == where.target)
            and (where.action is None or e.action == where.action)
            and (where.start is None or e.occurred_at >= where.start)
            and (where.end is None or e.occurred_at <= where.end)
            and (where.known_at is None or row.recorded_at <= where.known_at)
            and (where.scope_orgs is None or e.actor.org in where.scope_orgs or e.target.id in where.scope_accounts))


def test_every_combination_of_filters_answers_what_a_plain_filter_keeps(ledger: tuple[Ledger, datetime]) -> None:
    gateway, between = ledger
    values: dict[str, Any] = {"actor": "c-2", "actor_kind": "contractor", "org": "vendor-a", "target": "acct-1",
                              "action": "account.update", "start": BASE + timedelta(minutes=10),
                              "end": BASE + timedelta(minutes=45), "known_at": between}
    scopes: list[dict[str, Any]] = [{}, {"scope_orgs": ("vendor-b",), "scope_accounts": ("acct-1",)}]
    with gateway.reading() as unit:
        every = unit.who_all(WhoFilter())
        assert len(every) == 80
        answered = 0
        for size in range(len(values) + 1):
            for names in itertools.combinations(values, size):
                for scope in scopes:
                    where = WhoFilter(**{name: values[name] for name in names}, **scope)
                    expected = [row for row in every if _keeps(where, row)]
                    assert unit.who_all(where) == expected, where
                    paged, after = [], None
                    while True:  # pages of 3, each after the last row of the one before
                        page = unit.who(where, limit=3, after=after)
                        paged += page
                        if len(page) < 3:
                            break
                        after = (page[-1].event.occurred_at, page[-1].seq)
                    assert paged == expected, where
                    answered += bool(expected)
    assert answered > 100  # most combinations keep something: the filters are tried on real matches

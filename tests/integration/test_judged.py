"""The detector's reader (``ledger/judged.py``) on a real ledger: every event of the feed, in feed
order, as the rules read it, whether read whole or up to a position, in one page or in many
fetched ahead; and what a late offboarding asks (an actor's actions held before it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from auditlog.domain.model import AdminAction, Approval, Change
from auditlog.domain.settings import Settings
from auditlog.ledger import judged
from auditlog.ledger.feed import START, FeedRow, Position
from auditlog.ledger.gateway import Ledger
from auditlog.producers.scenario import CULPRIT, build
from tests.factories import append_events, event

AT = datetime(2017, 11, 3, 9, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# beyond the incident day: what the reader builds from columns in a special way, or not from columns
EXTRA = [
    event("account.update", "acct-x-1", AT, actor="e-1", kind="employee", ticket="T-1",
          changes=(Change("handle", "@old", "@new"), Change("email", None, "x@example.com"))),  # a rename
    event("account.update", "acct-x-1", AT + timedelta(minutes=1), actor="e-1", kind="employee",
          changes=(Change("email", None, "y@example.com"),)),  # not a rename
    event("account.deactivate", "acct-x-1", AT + timedelta(minutes=2), actor="e-1", kind="employee",
          ticket="T-2", approval=Approval("e-2", AT + timedelta(minutes=1))),  # v2: approved
    event("account.suspend", "acct-x-2", AT + timedelta(minutes=3), actor=CULPRIT),
]


@pytest.fixture(scope="module")
def feed(settings: Settings) -> list[tuple[FeedRow, AdminAction]]:
    """The ledger's events (appended in many transactions), as the feed gives them, decoded whole."""
    assert settings.database_url
    events = [*build().events, *EXTRA]
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for start in range(0, len(events), 500):
            append_events(conn, events[start:start + 500])
    rows: list[FeedRow] = []
    with Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        while page := unit.read_feed(rows[-1].position if rows else START, 1000):
            rows += page
    return [(row, row.event()) for row in rows if row.kind == "event"]


def as_read(event: AdminAction) -> object:
    """What the reader must give of ``event``: the whole of an actor event, an account's creation
    and an approved one (read from the payload); of the others their columns and a rename."""
    if event.action.startswith("actor.") or event.action == "account.create" or event.approval is not None:
        return event
    rename = event.change("handle")
    return (event.event_id, event.occurred_at, event.actor.id, event.actor.kind, event.actor.org, event.action,
            event.target.type, event.target.id, event.ticket, event.approval,
            () if rename is None else (Change("handle", None, rename.new),))


def read(settings: Settings, upto: object = None) -> list[tuple[int, int, AdminAction]]:
    with Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        return list(unit.judged_events(upto))  # type: ignore[arg-type]


def test_every_event_comes_in_feed_order_as_the_rules_read_it(settings: Settings,
                                                             feed: list[tuple[FeedRow, AdminAction]]) -> None:
    got = read(settings)
    assert [(txid, seq) for txid, seq, _ in got] == [(row.position.txid, row.seq) for row, _ in feed]
    assert [as_read(e) for _, _, e in got] == [as_read(e) for _, e in feed]
    assert len(got) > judged._PAGE / 2 and any(e.change("handle") for _, _, e in got)


def test_many_pages_fetched_ahead_give_the_same_events(settings: Settings, feed: list[tuple[FeedRow, AdminAction]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read(settings)
    monkeypatch.setattr(judged, "_PAGE", 97)
    assert read(settings) == whole


def test_the_caller_may_ask_the_ledger_between_pages_as_a_backtest_does(
        settings: Settings, feed: list[tuple[FeedRow, AdminAction]], monkeypatch: pytest.MonkeyPatch) -> None:
    # the thread fetching ahead and the caller's questions (a late offboarding's) share the connection
    monkeypatch.setattr(judged, "_PAGE", 97)
    got, held = [], {}
    with Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        for n, (txid, seq, event) in enumerate(unit.judged_events()):
            got.append(event.event_id)
            if n % 250 == 0:
                held[n] = [e.event_id for _, e in unit.actor_actions(CULPRIT, EPOCH, Position(txid, seq))]
    assert got == [e.event_id for _, e in feed]
    assert held == {n: [e.event_id for _, e in feed[:n] if e.actor.id == CULPRIT] for n in held}
    assert any(held.values())


def test_read_up_to_a_position_ends_with_it(settings: Settings, feed: list[tuple[FeedRow, AdminAction]]) -> None:
    cut, _ = feed[len(feed) // 2]
    got = read(settings, cut.position)
    assert [e.event_id for _, _, e in got] == [e.event_id for _, e in feed[:len(feed) // 2 + 1]]


def test_an_actors_actions_held_before_a_position_are_what_a_late_offboarding_asks(
        settings: Settings, feed: list[tuple[FeedRow, AdminAction]]) -> None:
    before, _ = feed[-1]  # the culprit's suspension after the day: not held before itself
    since = min(e.occurred_at for _, e in feed if e.actor.id == CULPRIT) + timedelta(minutes=1)
    with Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        got = unit.actor_actions(CULPRIT, since, before.position)
    expected = [(row.seq, e) for row, e in feed[:-1] if e.actor.id == CULPRIT and e.occurred_at >= since]
    assert len(expected) > 1
    assert [(seq, as_read(e)) for seq, e in got] == [(seq, as_read(e)) for seq, e in expected]

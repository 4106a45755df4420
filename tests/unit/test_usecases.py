"""The use cases refuse bad queries with reasons that name the query's fields, before asking the ledger.

The ledger here points at a port nobody listens on: a use case that reached for it would fail
with ``ServiceUnavailable`` instead of the refusal these tests expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from auditlog.domain.errors import BadInput
from auditlog.investigate.usecases.contract import check_schemas
from auditlog.investigate.usecases.history import (
    ActorQuery,
    DiffQuery,
    StateQuery,
    TimelineQuery,
    WhoQuery,
    actor_day,
    cursor,
    diff,
    parse_cursor,
    state_at,
    timeline,
    who,
)
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.investigate.usecases.snapshots import SnapshotQuery, write_snapshots
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.read import LedgerEvent
from tests.factories import event

EARLY = datetime(2017, 11, 2, 18, 0, tzinfo=UTC)
LATE = datetime(2017, 11, 2, 19, 0, tzinfo=UTC)
NAIVE = datetime(2017, 11, 2, 19, 0)


@pytest.fixture
def nowhere() -> Iterator[Ledger]:
    with Ledger("postgresql://nobody@127.0.0.1:1/none") as ledger:
        yield ledger


def test_a_window_that_ends_before_it_starts_is_refused(nowhere: Ledger) -> None:
    with pytest.raises(Refused) as refused:
        timeline(nowhere, TimelineQuery("a-1", start=LATE, end=EARLY))
    assert refused.value.reason == "from must not be later than to"
    assert refused.value.fields == ("from", "to")


def test_a_diff_whose_first_time_is_the_later_is_refused(nowhere: Ledger) -> None:
    with pytest.raises(Refused, match="^t1 must not be later than t2$"):
        diff(nowhere, DiffQuery("a-1", LATE, EARLY))


@pytest.mark.parametrize("text", ["garbage", "2017-11-02T22:58:02+00:00~x", "2017-11-02T22:58:02~5", "~5", ""])
def test_who_refuses_a_cursor_no_page_printed(nowhere: Ledger, text: str) -> None:
    with pytest.raises(Refused) as refused:
        who(nowhere, WhoQuery(after=text))
    assert refused.value.reason == f"after: {text!r} is not a cursor printed by a previous page"


@pytest.mark.parametrize(
    ("ask", "reason"),
    [
        (lambda ledger: state_at(ledger, StateQuery("a-1", NAIVE)), "at: '2017-11-02T19:00:00' has no UTC offset"),
        (lambda ledger: state_at(ledger, StateQuery("a-1", LATE, known_at=NAIVE)), "known_at: '2017-11-02T19:00:00'"),
        (lambda ledger: who(ledger, WhoQuery(start=NAIVE)), "from: '2017-11-02T19:00:00' has no UTC offset"),
        (lambda ledger: timeline(ledger, TimelineQuery("a-1", end=NAIVE)), "to: '2017-11-02T19:00:00'"),
        (lambda ledger: diff(ledger, DiffQuery("a-1", NAIVE, LATE)), "t1: '2017-11-02T19:00:00'"),
    ],
)
def test_a_time_without_an_offset_is_refused_not_guessed(
    nowhere: Ledger, ask: Callable[[Ledger], object], reason: str
) -> None:
    with pytest.raises(Refused) as refused:
        ask(nowhere)
    assert refused.value.reason.startswith(reason)


def test_who_refuses_an_empty_page(nowhere: Ledger) -> None:
    with pytest.raises(Refused, match="^limit: must be at least 1$"):
        who(nowhere, WhoQuery(limit=0))


def test_an_actors_day_needs_the_zone_it_is_a_day_in(nowhere: Ledger) -> None:
    with pytest.raises(Refused) as refused:
        actor_day(nowhere, ActorQuery("c-vb-07", on=date(2017, 11, 2)))
    assert refused.value.reason.startswith("on: '2017-11-02' names a day but not whose; pass tz")


def test_snapshots_every_zero_events_is_refused(nowhere: Ledger) -> None:
    with pytest.raises(Refused, match="^every: must be at least 1$"):
        write_snapshots(nowhere, SnapshotQuery(every=0))


def test_a_refusal_is_bad_input_and_each_face_words_its_fields() -> None:
    refusal = Refused(Field("from"), " must not be later than ", Field("to"))
    assert isinstance(refusal, BadInput)  # exit 2 for the CLI, 400 for an API
    assert refusal.worded(lambda name: f"--{name}") == "--from must not be later than --to"
    assert refusal.worded(str.upper) == "FROM must not be later than TO"


def test_a_printed_cursor_reads_back_as_where_its_page_ended() -> None:
    record = LedgerEvent(seq=42, recorded_at=LATE, topic="t", partition=0, kafka_offset=7,
                         event=event(at="2017-11-02T22:58:02.123456+00:00"))
    assert parse_cursor(cursor(record)) == (record.event.occurred_at, 42)


def test_the_shipped_schemas_check_and_a_broken_candidate_is_bad_input(tmp_path: Path) -> None:
    shipped = check_schemas()
    assert shipped.ok and shipped.problems == () and shipped.names[:2] == ("v1", "v2")
    broken = tmp_path / "broken.avsc"
    broken.write_text('{"type": "record", "name": "x", "fields": [{"name": "a"}]}')
    with pytest.raises(BadInput, match="broken.avsc: not a valid Avro schema"):
        check_schemas(broken)

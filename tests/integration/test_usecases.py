"""The investigator's use cases against a real ledger: the answers the CLI and the API render.

Events go in through the ledger's own append path (``tests.factories.append_events``), one
transaction per call, so each call is one ``recorded_at``; the use cases read them back through
the gateway as the reader role, as every face does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from auditlog.consumers.ingest import ingest
from auditlog.domain.account import Status
from auditlog.domain.actor import Employment
from auditlog.domain.model import AdminAction, Change
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.admin import events_recorded, migrate
from auditlog.investigate.usecases.contract import NewAction, emit_action, emit_jsonl
from auditlog.investigate.usecases.history import (
    ActorQuery,
    DiffQuery,
    StateQuery,
    TimelineQuery,
    WhoQuery,
    actor_day,
    diff,
    state_at,
    timeline,
    who,
)
from auditlog.investigate.usecases.integrity import checkpoint, init_keys, verify
from auditlog.investigate.usecases.snapshots import SnapshotQuery, write_snapshots
from auditlog.ledger.gateway import Ledger
from tests.factories import append_events, event

NY = ZoneInfo("America/New_York")
ACCOUNT = "acct-uc-hos"
HR = {"actor": "sys-hr-sync", "kind": "system"}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def ledger(database_url: str) -> Iterator[Ledger]:
    with Ledger(database_url) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def incident(database_url: str) -> tuple[list[AdminAction], datetime]:
    """A protected account deactivated for 11m12s, whose restore the ledger learned of late;
    the contractor's back-story (their role revoked after that day's actions); and the time
    between the two appends."""
    story = [
        event("actor.onboard", "c-vb-07", "2017-03-01T09:00:00+00:00", **HR,
              changes=(Change("kind", None, "contractor"), Change("org", None, "vendor-b"))),
        event("actor.role_grant", "c-vb-07", "2017-03-01T09:05:00+00:00", **HR,
              changes=(Change("role", None, "support-agent"),)),
        event("account.create", ACCOUNT, "2012-02-21T09:00:00+00:00", "svc", "service"),
        event("account.protect", ACCOUNT, "2012-03-22T09:00:00+00:00", "e-1", "employee"),
        event("actor.offboard", "c-vb-07", "2017-11-02T13:00:05+00:00", **HR,
              changes=(Change("engagement_end", None, "2017-11-03T03:59:59+00:00"),)),
        event("account.deactivate", ACCOUNT, "2017-11-02T22:58:02+00:00", "c-vb-07", reason="user report"),
        event("account.verify", "acct-uc-other", "2017-11-02T23:01:00+00:00", "c-vb-07"),
        event("actor.role_revoke", "c-vb-07", "2017-11-02T23:30:00+00:00", **HR,
              changes=(Change("role", None, "support-agent"),)),
        event("account.suspend", "acct-uc-other", "2017-11-03T05:00:00+00:00", "c-vb-07"),  # the next day in NY
    ]
    late = [event("account.reactivate", ACCOUNT, "2017-11-02T23:09:14+00:00", "e-ts-03", "employee")]
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, story)
        between = datetime.now(UTC)
        time.sleep(0.01)
        append_events(conn, late)
    return story + late, between


def test_state_at_answers_on_both_clocks(ledger: Ledger, incident: tuple[list[AdminAction], datetime]) -> None:
    _, between = incident
    during = state_at(ledger, StateQuery(ACCOUNT, _t("2017-11-02T23:00:00+00:00")))
    later = _t("2017-11-02T23:10:00+00:00")
    then = state_at(ledger, StateQuery(ACCOUNT, later, known_at=between))
    now = state_at(ledger, StateQuery(ACCOUNT, later))
    assert (during.state.status, during.state.protected) == (Status.DEACTIVATED, True)
    assert during.state.last_change is not None and during.state.last_change.actor_id == "c-vb-07"
    assert (then.known_at, then.state.status) == (between, Status.DEACTIVATED)  # the restore was not on record
    assert now.state.status is Status.ACTIVE and now.at == later


def test_who_pages_with_a_cursor_through_every_match_once(ledger: Ledger, incident: object) -> None:
    query = WhoQuery(actor="c-vb-07", limit=1)
    pages = [who(ledger, query)]
    while pages[-1].next_cursor is not None:
        pages.append(who(ledger, replace(query, after=pages[-1].next_cursor)))
    seen = [e.event.action for page in pages for e in page.events]
    assert seen == ["account.deactivate", "account.verify", "account.suspend"]
    assert [len(p.events) for p in pages] == [1, 1, 1]
    everything = who(ledger, replace(query, limit=100))
    assert everything.next_cursor is None and [e.event.action for e in everything.events] == seen
    window = who(ledger, WhoQuery(actor="c-vb-07", start=_t("2017-11-02T23:00:00+00:00"),
                                  end=_t("2017-11-03T00:00:00+00:00")))
    assert [e.event.action for e in window.events] == ["account.verify"]


def test_timeline_has_the_state_before_and_the_interval_with_both_actors(ledger: Ledger, incident: object) -> None:
    answer = timeline(ledger, TimelineQuery(ACCOUNT, _t("2017-11-02T22:00:00+00:00"),
                                            _t("2017-11-03T00:00:00+00:00")))
    assert (answer.before.status, answer.before.protected) == (Status.ACTIVE, True)
    assert [s.record.event.action for s in answer.events] == ["account.deactivate", "account.reactivate"]
    assert [s.step.changed for s in answer.events] == [("status",), ("status",)]
    (interval,) = answer.intervals
    assert interval.status is Status.DEACTIVATED and interval.duration == timedelta(minutes=11, seconds=12)
    assert interval.start is not None and interval.start.actor_id == "c-vb-07"
    assert interval.end is not None and interval.end.actor_id == "e-ts-03"
    assert answer.after.status is Status.ACTIVE
    at_the_event = timeline(ledger, TimelineQuery(ACCOUNT, _t("2017-11-02T22:58:02+00:00")))
    assert at_the_event.before.status is Status.ACTIVE  # an event at exactly `from` is in the window
    assert at_the_event.events[0].step.changed == ("status",)
    whole = timeline(ledger, TimelineQuery(ACCOUNT))  # from the beginning to now
    assert whole.start is None and whole.before.exists is False and len(whole.events) == 4
    assert whole.end > _t("2020-01-01T00:00:00+00:00")


def test_diff_names_the_status_that_changed_and_came_back(ledger: Ledger, incident: object) -> None:
    round_trip = diff(ledger, DiffQuery(ACCOUNT, _t("2017-11-02T22:45:00+00:00"), _t("2017-11-02T23:15:00+00:00")))
    (status,) = round_trip.fields
    assert (status.field, status.before, status.after, status.net_change) == (
        "status", Status.ACTIVE, Status.ACTIVE, False)
    assert [c.record.event.actor.id for c in status.changes] == ["c-vb-07", "e-ts-03"]
    during = diff(ledger, DiffQuery(ACCOUNT, _t("2017-11-02T22:45:00+00:00"), _t("2017-11-02T23:00:00+00:00")))
    assert [(f.field, f.after, f.net_change) for f in during.fields] == [("status", Status.DEACTIVATED, True)]
    nothing = diff(ledger, DiffQuery(ACCOUNT, _t("2017-11-02T23:20:00+00:00"), _t("2017-11-02T23:21:00+00:00")))
    assert nothing.fields == ()


def test_an_actors_day_holds_that_days_actions_and_who_they_were_then(ledger: Ledger, incident: object) -> None:
    day = actor_day(ledger, ActorQuery("c-vb-07", on=date(2017, 11, 2), tz=NY))
    assert [a.record.event.action for a in day.actions] == ["account.deactivate", "account.verify"]
    assert all(a.actor_state.engaged(a.record.event.occurred_at) for a in day.actions)
    assert {a.actor_state.roles for a in day.actions} == {("support-agent",)}
    assert day.start == datetime(2017, 11, 2, tzinfo=NY) and day.at == day.end
    assert day.state.employment(day.at) is Employment.OFFBOARDED  # the engagement ended at 23:59:59 Eastern
    next_day = actor_day(ledger, ActorQuery("c-vb-07", on=date(2017, 11, 3), tz=NY))
    assert [a.record.event.action for a in next_day.actions] == ["account.suspend"]
    late_action = next_day.actions[0]
    assert not late_action.actor_state.engaged(late_action.record.event.occurred_at)
    assert late_action.actor_state.roles == () and day.state.roles == ()  # revoked after the day's actions
    every = actor_day(ledger, ActorQuery("c-vb-07"))
    assert len(every.actions) == 3 and every.at == every.actions[-1].record.event.occurred_at


def test_snapshots_change_no_answer(ledger: Ledger, incident: object) -> None:
    moments = [_t(m) for m in ("2017-11-02T22:57:00+00:00", "2017-11-02T23:00:00+00:00", "2017-11-02T23:10:00+00:00")]
    before = [state_at(ledger, StateQuery(ACCOUNT, m)).state for m in moments]
    written = write_snapshots(ledger, SnapshotQuery((ACCOUNT,), every=2))
    assert written.written == ((ACCOUNT, 2),) and written.total == 2
    assert [state_at(ledger, StateQuery(ACCOUNT, m)).state for m in moments] == before


def test_the_ledger_knows_its_events_and_its_schema_is_current(
    ledger: Ledger, incident: tuple[list[AdminAction], datetime]
) -> None:
    events, _ = incident
    assert migrate(ledger).applied == ()
    assert events_recorded(ledger, [e.event_id for e in events]) == len(events)
    assert events_recorded(ledger, [events[0].event_id, "00000000-0000-4000-8000-000000000000"]) == 1


def test_verify_holds_and_a_checkpoint_signed_now_holds_too(
    ledger: Ledger, settings: Settings, incident: tuple[list[AdminAction], datetime], tmp_path: Path
) -> None:
    events, _ = incident
    unsigned = verify(ledger, settings)
    assert (unsigned.ok, unsigned.events, unsigned.signatures_checked, unsigned.first_bad) == (
        True, len(events), False, None)
    keyed = replace(settings, signing_key=tmp_path / "ledger.key", checkpoint_export=tmp_path / "cp.jsonl")
    pair = init_keys(keyed)
    assert pair.public_path.exists() and len(pair.key_id) == 32
    signed = checkpoint(ledger, keyed)
    assert signed.signed and signed.events == len(events) and signed.exported_to == tmp_path / "cp.jsonl"
    checked = verify(ledger, keyed)
    assert (checked.ok, checked.checkpoints, checked.signatures_checked) == (True, 1, True)


def test_emitted_actions_come_back_from_the_ledger(ledger: Ledger, settings: Settings) -> None:
    delivered = emit_action(settings, NewAction("e-9", "employee", "account.suspend", "acct-uc-emit",
                                                at=_t("2017-11-02T12:00:00+00:00"), reason="spam"))
    assert delivered.topic == settings.topic and delivered.offset >= 0
    line = ('{"actor": {"id": "e-9", "kind": "employee"}, "action": "account.unsuspend", '
            '"target": {"id": "acct-uc-emit"}, "occurred_at": "2017-11-02T13:00:00Z"}')
    bulk = emit_jsonl(settings, [line, "{not json"])
    assert bulk.sent == 1 and [n for n, _ in bulk.refused] == [2]
    ingest(settings, until_idle=True)
    page = who(ledger, WhoQuery(target="acct-uc-emit"))
    assert [(e.event.event_id, e.event.action) for e in page.events][0] == (delivered.event_id, "account.suspend")
    assert [e.event.action for e in page.events] == ["account.suspend", "account.unsuspend"]

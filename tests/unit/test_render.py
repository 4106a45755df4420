"""The renderers: JSON answers keep the shapes README.md documents ("JSON answers"), and the text
lines read as the CLI has always printed them. Answers are built from pure folds, no ledger."""

from __future__ import annotations

import json as stdlib_json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from auditlog.domain.account import AccountState, fold
from auditlog.domain.actor import fold_actor, states_along
from auditlog.domain.history import diff as field_changes
from auditlog.domain.history import status_intervals, steps
from auditlog.domain.model import AdminAction, Change
from auditlog.investigate.render import json, text
from auditlog.investigate.usecases.history import (
    ActorAction,
    ActorDay,
    Diff,
    FieldDiff,
    StateAnswer,
    StepRecord,
    Timeline,
    WhoPage,
)
from auditlog.ledger.read import LedgerEvent
from tests.factories import event

NY = ZoneInfo("America/New_York")
RECORDED = datetime(2017, 11, 2, 23, 30, tzinfo=UTC)

EVENT_KEYS = {"seq", "event_id", "occurred_at", "recorded_at", "actor", "action", "target", "reason", "ticket"}
STAMP_KEYS = {"event_id", "action", "actor", "occurred_at"}
STATE_KEYS = {"account", "at", "known_at", "exists", "status", "protected", "verified", "handle", "email", "flags",
              "created_at", "events_applied", "last_change", "status_since"}
ACTOR_STATE_KEYS = {"kind", "org", "employment", "engaged", "roles", "onboarded_at", "offboarded_at",
                    "engagement_end"}


def _recorded(events: list[AdminAction], first_seq: int = 1) -> list[LedgerEvent]:
    return [LedgerEvent(first_seq + n, RECORDED, "admin-actions", 0, n, e) for n, e in enumerate(events)]


def _history() -> tuple[AccountState, list[LedgerEvent]]:
    """A protected account before the day, then the incident: deactivated 11m12s, restored."""
    start = fold("a-1", [event("account.create", at="2012-01-01T00:00:00+00:00", actor="svc", kind="service"),
                         event("account.protect", at="2012-02-01T00:00:00+00:00", actor="e-1", kind="employee")])
    day = [event("account.deactivate", at="2017-11-02T22:58:02+00:00", actor="c-vb-07", reason="user report"),
           event("account.update", at="2017-11-02T23:00:00+00:00", actor="c-vb-07",
                 changes=(Change("region", None, "us"),)),
           event("account.reactivate", at="2017-11-02T23:09:14+00:00", actor="e-ts-03", kind="employee")]
    return start, _recorded(day, first_seq=10)


def _walk(before: AccountState, records: list[LedgerEvent]) -> tuple[StepRecord, ...]:
    return tuple(StepRecord(r, s) for r, s in zip(records, steps(before, (r.event for r in records)), strict=True))


def test_a_state_answer_has_every_documented_key_in_the_display_zone() -> None:
    start, records = _history()
    state = fold("a-1", [records[0].event], start)
    at = datetime(2017, 11, 2, 23, 0, tzinfo=UTC)
    shown = json.state_answer(StateAnswer("a-1", at, None, state), NY)
    assert set(shown) == STATE_KEYS
    assert (shown["at"], shown["known_at"], shown["status"], shown["protected"]) == (
        "2017-11-02T19:00:00-04:00", None, "deactivated", True)
    assert set(shown["last_change"]) == STAMP_KEYS and shown["last_change"]["actor"] == "c-vb-07"
    assert shown["status_since"]["occurred_at"] == "2017-11-02T18:58:02-04:00"
    assert shown["flags"] == {}


def test_a_who_page_is_events_and_the_next_cursor() -> None:
    _, records = _history()
    shown = json.who_page(WhoPage(tuple(records[:2]), "2017-11-02T23:00:00+00:00~11"), None)
    assert set(shown) == {"events", "next"} and shown["next"] == "2017-11-02T23:00:00+00:00~11"
    first = shown["events"][0]
    assert set(first) == EVENT_KEYS
    assert set(first["actor"]) == {"id", "kind", "org"} and set(first["target"]) == {"type", "id", "handle"}
    assert (first["seq"], first["occurred_at"], first["recorded_at"], first["reason"]) == (
        10, "2017-11-02T22:58:02+00:00", "2017-11-02T23:30:00+00:00", "user report")
    lines = text.who_page(WhoPage(tuple(records[:2]), "c~11"), None)
    assert lines[0].split() == ["occurred_at", "actor", "kind", "org", "action", "target", "reason", "ticket"]
    assert lines[-1] == "(2 events; more with --after c~11)"


def test_a_timeline_shows_what_each_event_changed_and_the_interval_with_both_actors() -> None:
    before, records = _history()
    walked = _walk(before, records)
    window = Timeline("a-1", datetime(2017, 11, 2, 22, 0, tzinfo=UTC), datetime(2017, 11, 3, tzinfo=UTC), before,
                      walked[-1].step.after, walked, tuple(status_intervals(before, (s.step for s in walked))))
    shown = json.timeline(window, NY)
    assert set(shown) == {"account", "from", "to", "known_at", "state_before", "state_after", "events", "intervals"}
    assert set(shown["state_before"]) == STATE_KEYS and shown["state_before"]["at"] == "2017-11-02T18:00:00-04:00"
    assert [e["changed"] for e in shown["events"]] == [
        {"status": ["active", "deactivated"]}, {"flags": [{}, {"region": "us"}]}, {"status": ["deactivated", "active"]}]
    assert all(set(e) == EVENT_KEYS | {"changed"} for e in shown["events"])
    (interval,) = shown["intervals"]
    assert set(interval) == {"status", "start", "end", "seconds"}
    assert (interval["status"], interval["start"]["actor"], interval["end"]["actor"], interval["seconds"]) == (
        "deactivated", "c-vb-07", "e-ts-03", 672.0)
    assert ("  deactivated 2017-11-02T18:58:02-04:00 -> 2017-11-02T19:09:14-04:00, 11m12s, by c-vb-07, "
            "restored by e-ts-03") in text.timeline(window, NY)
    without_start = json.timeline(Timeline("a-1", None, window.end, AccountState("a-1"), window.after, (), ()), NY)
    assert (without_start["from"], without_start["state_before"], without_start["intervals"]) == (None, None, [])


def test_a_diff_names_a_field_that_came_back_as_no_net_change() -> None:
    before, records = _history()
    walked = _walk(before, records)
    fields = tuple(FieldDiff(c.field, c.before, c.after, tuple(s for s in walked if c.field in s.step.changed))
                   for c in field_changes(before, [s.step for s in walked]))
    shown = json.diff(Diff("a-1", datetime(2017, 11, 2, 22, 45, tzinfo=UTC), RECORDED, fields), None)
    assert set(shown) == {"account", "t1", "t2", "known_at", "fields"}
    by_field = {f["field"]: f for f in shown["fields"]}
    assert all(set(f) == {"field", "before", "after", "net_change", "changes"} for f in shown["fields"])
    status = by_field["status"]
    assert (status["before"], status["after"], status["net_change"]) == ("active", "active", False)
    assert [(c["actor"]["id"], c["from"], c["to"]) for c in status["changes"]] == [
        ("c-vb-07", "active", "deactivated"), ("e-ts-03", "deactivated", "active")]
    assert all(set(c) == EVENT_KEYS | {"from", "to"} for c in status["changes"])
    assert (by_field["flags"]["before"], by_field["flags"]["after"], by_field["flags"]["net_change"]) == (
        {}, {"region": "us"}, True)
    assert "  status: active -> active (changed 2 times, back as it was)" in text.diff(
        Diff("a-1", datetime(2017, 11, 2, 22, 45, tzinfo=UTC), RECORDED, fields), None)


def test_an_actors_day_shows_their_state_at_each_action() -> None:
    hr = {"actor": "sys-hr-sync", "kind": "system"}
    history = [event("actor.onboard", "c-9", "2017-03-01T09:00:00+00:00", **hr,
                     changes=(Change("kind", None, "contractor"), Change("org", None, "vendor-b"))),
               event("actor.role_grant", "c-9", "2017-03-01T09:05:00+00:00", **hr,
                     changes=(Change("role", None, "support-agent"),)),
               event("actor.offboard", "c-9", "2017-11-02T13:00:05+00:00", **hr,
                     changes=(Change("engagement_end", None, "2017-11-03T03:59:59+00:00"),))]
    records = _recorded([event("account.deactivate", "a-1", "2017-11-02T22:58:02+00:00", actor="c-9")])
    start = datetime(2017, 11, 2, tzinfo=NY)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    states = states_along("c-9", history, [r.event.occurred_at for r in records])
    answer = ActorDay("c-9", date(2017, 11, 2), start, end, end, fold_actor("c-9", history),
                      tuple(ActorAction(r, s) for r, s in zip(records, states, strict=True)))
    shown = json.actor_day(answer, NY)
    assert set(shown) == {"actor", "on", "from", "to", "known_at", "state", "actions"}
    assert (shown["on"], shown["from"], shown["to"]) == ("2017-11-02", "2017-11-02T00:00:00-04:00",
                                                          "2017-11-02T23:59:59-04:00")
    assert set(shown["state"]) == ACTOR_STATE_KEYS | {"at"}
    assert (shown["state"]["employment"], shown["state"]["engagement_end"]) == ("offboarded",
                                                                                 "2017-11-02T23:59:59-04:00")
    (action,) = shown["actions"]
    assert set(action) == EVENT_KEYS | {"actor_state"} and set(action["actor_state"]) == ACTOR_STATE_KEYS
    assert (action["actor_state"]["engaged"], action["actor_state"]["roles"]) == (True, ["support-agent"])
    assert text.actor_day(answer, NY)[-1] == "(1 actions)"


def test_a_document_is_indented_with_sorted_keys() -> None:
    printed = json.document({"b": 1, "a": {"d": None, "c": [1]}})
    assert printed.splitlines()[:2] == ["{", '  "a": {'] and stdlib_json.loads(printed)["a"]["c"] == [1]

from collections import Counter
from datetime import timedelta

import pytest

from auditlog.domain.account import Status, fold
from auditlog.producers.scenario import DAY, EASTERN, Scenario, build


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build()


def test_a_realistic_day_is_large_enough(scenario: Scenario) -> None:
    day = [e for e in scenario.events if e.occurred_at.astimezone(EASTERN).date() == DAY.date()]
    assert len(day) >= 2000
    assert scenario.accounts >= 200
    assert 24 <= scenario.actors <= 99
    contractors = {e.actor.org for e in scenario.events if e.actor.kind == "contractor"}
    assert len(contractors) == 2
    assert {"employee", "contractor"} <= {e.actor.kind for e in day}


def test_the_incident_happens_as_on_the_record(scenario: Scenario) -> None:
    incident = scenario.incident
    assert incident.deactivated_at.astimezone(EASTERN).strftime("%H:%M") == "18:58"
    assert incident.restored_at - incident.deactivated_at == timedelta(minutes=11, seconds=12)
    on_account = [e for e in scenario.events if e.target.id == incident.account_id]
    deactivations = [e for e in on_account if e.action == "account.deactivate"]
    assert [(e.actor.id, e.actor.kind) for e in deactivations] == [(incident.culprit_id, "contractor")]
    before = fold(incident.account_id, [e for e in on_account if e.occurred_at < incident.deactivated_at])
    assert before.protected and before.status is Status.ACTIVE
    restore = [e for e in on_account if e.action == "account.reactivate"]
    assert [(e.actor.id, e.actor.kind) for e in restore] == [(incident.restorer_id, "employee")]


def test_the_culprit_is_on_the_last_day_of_their_engagement(scenario: Scenario) -> None:
    incident = scenario.incident
    offboards = [e for e in scenario.events
                 if e.action == "actor.offboard" and e.target.id == incident.culprit_id]
    assert len(offboards) == 1
    end = offboards[0].change("engagement_end")
    assert end is not None and end.new is not None
    assert incident.engagement_end.astimezone(EASTERN).date() == DAY.date()


def test_no_one_else_changes_a_protected_accounts_status(scenario: Scenario) -> None:
    protected = {e.target.id for e in scenario.events if e.action == "account.protect"}
    status_actions = {"account.deactivate", "account.suspend", "account.reactivate", "account.unsuspend"}
    touched = Counter(e.target.id for e in scenario.events
                      if e.target.id in protected and e.action in status_actions)
    assert touched == Counter({scenario.incident.account_id: 2})


def test_the_same_seed_gives_the_same_events_and_every_event_is_valid(scenario: Scenario) -> None:
    again = build()
    assert [e.event_id for e in again.events] == [e.event_id for e in scenario.events]
    assert len({e.event_id for e in scenario.events}) == len(scenario.events)
    for e in scenario.events:
        e.validate()
    assert build(seed=1).events[0].event_id != scenario.events[0].event_id

"""The Judge over the incident day (``producers.scenario``): the incident raises its rules naming
the culprit, the ordinary rest of the day raises little; and a late offboarding is caught."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditlog.domain.detection import Judge, judge_all
from auditlog.domain.model import AdminAction, Change
from auditlog.domain.rules import Finding, Severity
from auditlog.domain.rules_config import load_rules
from auditlog.producers.scenario import CULPRIT, DAY, EASTERN, PROTECTED_ACCOUNT, RESTORER, Scenario, build
from tests.factories import event

DEFAULTS = load_rules(None)
HR = {"actor": "sys-hr-sync", "kind": "system"}


def _judged(events: list[AdminAction] | tuple[AdminAction, ...]) -> list[Finding]:
    return judge_all(DEFAULTS, events)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build()


@pytest.fixture(scope="module")
def findings(scenario: Scenario) -> list[Finding]:
    return _judged(scenario.events)


def _incident_ids(scenario: Scenario) -> tuple[str, str]:
    on_account = [e for e in scenario.events if e.target.id == PROTECTED_ACCOUNT and e.occurred_at >= DAY]
    deactivation = next(e for e in on_account if e.action == "account.deactivate")
    restore = next(e for e in on_account if e.action == "account.reactivate")
    return deactivation.event_id, restore.event_id


def test_the_incident_raises_rules_1_to_4_and_first_contact_naming_the_contractor(
        scenario: Scenario, findings: list[Finding]) -> None:
    deactivation, restore = _incident_ids(scenario)
    on_deactivation = {f.rule: f for f in findings if f.event_id == deactivation}
    # and the culprit's first action on any protected account that day (LOW)
    assert set(on_deactivation) == {"protected-change", "after-engagement", "last-day", "first-contact"}
    assert on_deactivation["after-engagement"].severity is Severity.CRITICAL
    assert "9h57m after being offboarded" in on_deactivation["after-engagement"].summary
    assert on_deactivation["protected-change"].severity is Severity.HIGH
    assert on_deactivation["last-day"].severity is Severity.CRITICAL
    assert all(f.actor_id == CULPRIT and CULPRIT in f.summary for f in on_deactivation.values())
    assert "without a ticket" in on_deactivation["protected-change"].summary
    [reversal] = [f for f in findings if f.event_id == restore]
    assert (reversal.rule, reversal.actor_id, reversal.related_event_id) == ("quick-reversal", RESTORER, deactivation)
    assert reversal.summary == f"{PROTECTED_ACCOUNT} deactivated 11m12s by {CULPRIT}, restored by {RESTORER}"


def test_the_incident_raises_after_engagement_had_the_engagement_ended_before_it(scenario: Scenario) -> None:
    # the scenario's engagement ends at 23:59:59 Eastern, after the incident (18:58): on the real day
    # rule 2 holds because the offboarding was done at 09:00. Had it named 18:00, the deactivation
    # comes after the end itself, and the summary says so.
    ended = datetime(2017, 11, 2, 18, 0, tzinfo=EASTERN).isoformat()
    events = [replace(e, changes=(Change("engagement_end", None, ended),))
              if e.action == "actor.offboard" and e.target.id == CULPRIT else e for e in scenario.events]
    deactivation, _ = _incident_ids(scenario)
    rules = {f.rule: f for f in _judged(events) if f.event_id == deactivation}
    assert rules["after-engagement"].severity is Severity.CRITICAL
    assert rules["after-engagement"].summary.startswith(f"{CULPRIT} (contractor, vendor-b) deactivated account "
                                                        f"{PROTECTED_ACCOUNT} 58m02s after their engagement ended")


def test_the_ordinary_day_raises_little(scenario: Scenario, findings: list[Finding]) -> None:
    incident = set(_incident_ids(scenario))
    ordinary = [f for f in findings if f.occurred_at >= DAY and f.event_id not in incident]
    counts = Counter(f.rule for f in ordinary)
    print(f"\nordinary day ({len([e for e in scenario.events if e.occurred_at >= DAY])} events): {dict(counts)}")
    # the day's reversals are random staff undoing each other's suspensions within the hour: what the
    # rule is meant to catch, and the price of its 60 minutes (the scenario does 3,000 actions a day)
    assert counts["quick-reversal"] <= 10
    assert counts["burst"] == counts["protected-change"] == 0
    # after-engagement: only the culprit, offboarded at 09:00, still acting that day
    assert {f.actor_id for f in ordinary if f.rule == "after-engagement"} == {CULPRIT}
    # last-day: only the culprit, on their last day, can raise it
    assert {f.actor_id for f in ordinary if f.rule == "last-day"} <= {CULPRIT}
    assert counts["first-contact"] <= 20  # LOW: at most once per actor
    assert len({f.actor_id for f in ordinary if f.rule == "first-contact"}) == counts["first-contact"]


def test_an_ordinary_ticketed_deactivation_by_an_employee_raises_nothing() -> None:
    at = datetime(2017, 11, 2, 15, 0, tzinfo=EASTERN)
    events = [event("account.create", "a-1", at - timedelta(days=400), actor="svc-signup", kind="service"),
              event("account.deactivate", "a-1", at, actor="e-ts-01", kind="employee", ticket="SUP-12345")]
    assert _judged(events) == []


def _late_offboarding() -> tuple[list[AdminAction], AdminAction]:
    contractor = {"actor": "c-9", "kind": "contractor"}
    at_ten = event("account.suspend", "a-1", "2017-11-02T10:00:00+00:00", **contractor, ticket="SUP-1")
    at_eleven = event("account.suspend", "a-2", "2017-11-02T11:00:00+00:00", **contractor, ticket="SUP-2")
    # done at 10:45 (after the first action), naming an end at 10:30 (before the second)
    offboard = event("actor.offboard", "c-9", "2017-11-02T10:45:00+00:00", **HR,
                     changes=(Change("engagement_end", None, "2017-11-02T10:30:00+00:00"),))
    return [at_ten, at_eleven, offboard], at_eleven


def test_a_late_offboarding_flags_the_actions_already_judged_after_the_end() -> None:
    events, at_eleven = _late_offboarding()
    [finding] = _judged(events)
    assert (finding.rule, finding.event_id, finding.late) == ("after-engagement", at_eleven.event_id, True)
    assert finding.severity is Severity.CRITICAL and finding.actor_id == "c-9"


def test_an_offboarding_known_in_time_flags_the_action_once_not_late() -> None:
    events, at_eleven = _late_offboarding()
    [finding] = _judged([events[2], events[0], events[1]])
    assert (finding.event_id, finding.late) == (at_eleven.event_id, False)
    # a second offboarding with the same end does not flag the action again
    assert _judged([events[2], events[0], events[1], replace(events[2], event_id=events[0].event_id[::-1])]) == [
        finding]


def test_warming_folds_state_without_findings_and_judging_continues_from_it(scenario: Scenario) -> None:
    deactivation, restore = _incident_ids(scenario)
    cut = next(n for n, e in enumerate(scenario.events) if e.event_id == deactivation)
    judge = Judge(DEFAULTS)
    for ev in scenario.events[:cut]:
        judge.warm(ev)
    after = [f for ev in scenario.events[cut:] for f in judge.judge(ev)]
    assert {f.rule for f in after if f.event_id in (deactivation, restore)} == {
        "protected-change", "after-engagement", "last-day", "first-contact", "quick-reversal"}


def test_the_judge_keeps_states_not_actions() -> None:
    # 120 days of one actor's actions on 40 accounts: one state per account and per actor, and the
    # activity holds no destructive action older than two burst windows
    judge = Judge(DEFAULTS)
    start = datetime(2017, 1, 1, tzinfo=EASTERN)
    for day in range(120):
        judge.judge(event("account.suspend", f"a-{day % 40}", start + timedelta(days=day), actor="c-1", ticket="T"))
    assert len(judge.accounts) == 40 and set(judge.activities) == {"c-1"}
    assert len(judge.activities["c-1"].recent_destructive) == 1
    assert judge.take_late_checks() == []


def test_a_late_check_asks_for_the_actors_actions_from_the_earliest_a_late_rule_can_reach(tmp_path: Path) -> None:
    offboard = event("actor.offboard", "c-9", "2017-11-02T10:45:00+00:00", **HR,
                     changes=(Change("engagement_end", None, "2017-11-02T12:00:00+00:00"),))
    judge = Judge(DEFAULTS)
    judge.judge(offboard)
    [check] = judge.take_late_checks()
    assert (check.event_id, check.actor_id) == (offboard.event_id, "c-9")
    # last-day's window: within_hours (24) before the end, earlier than the offboarding (10:45)
    assert check.since == datetime(2017, 11, 1, 12, 0, tzinfo=UTC)
    assert judge.take_late_checks() == []  # taken once
    settings = tmp_path / "rules.toml"
    settings.write_text("[rules.last-day]\nenabled = false\n")
    without_last_day = Judge(load_rules(settings))
    without_last_day.judge(offboard)
    [check] = without_last_day.take_late_checks()
    assert check.since == datetime(2017, 11, 2, 10, 45, tzinfo=UTC)  # the earlier of offboarding and end


def test_an_offboarding_that_lands_after_the_incident_still_raises_rules_2_and_3_marked_late(
        scenario: Scenario) -> None:
    """The offboarding travels on the actor's partition, the deactivation on the account's: the
    ledger may hold the deactivation first (seen in a real run of the demo)."""
    deactivation, _ = _incident_ids(scenario)
    offboarding = next(e for e in scenario.events if e.action == "actor.offboard" and e.target.id == CULPRIT)
    at = next(n for n, e in enumerate(scenario.events) if e.event_id == deactivation)
    reordered = [e for e in scenario.events[:at + 1] if e is not offboarding] + [offboarding] + [
        e for e in scenario.events[at + 1:] if e is not offboarding]
    on_deactivation = {f.rule: f for f in _judged(reordered) if f.event_id == deactivation}
    assert set(on_deactivation) == {"protected-change", "after-engagement", "last-day", "first-contact"}
    assert on_deactivation["after-engagement"].late and on_deactivation["last-day"].late
    assert not on_deactivation["protected-change"].late
    assert on_deactivation["last-day"].severity is Severity.CRITICAL
    assert on_deactivation["last-day"].summary.endswith("before their engagement ends; the engagement's end "
                                                        "reached the ledger later")
    assert CULPRIT in on_deactivation["last-day"].summary


def test_a_late_engagement_end_raises_last_day_only_on_protected_accounts_in_its_window() -> None:
    contractor = {"actor": "c-9", "kind": "contractor"}
    protect = event("account.protect", "a-1", "2017-11-01T08:00:00+00:00", actor="e-1", kind="employee",
                    reason="newsworthy account")
    early = event("account.suspend", "a-1", "2017-11-01T09:00:00+00:00", **contractor, ticket="T-1")  # 27h before
    unprotected = event("account.suspend", "a-2", "2017-11-02T09:00:00+00:00", **contractor, ticket="T-2")
    in_window = event("account.suspend", "a-1", "2017-11-02T09:30:00+00:00", **contractor, ticket="T-3")
    offboard = event("actor.offboard", "c-9", "2017-11-02T10:00:00+00:00", **HR,
                     changes=(Change("engagement_end", None, "2017-11-02T12:00:00+00:00"),))
    late = [f for f in _judged([protect, early, unprotected, in_window, offboard]) if f.rule == "last-day"]
    assert [(f.event_id, f.late) for f in late] == [(in_window.event_id, True)]
    in_time = [f for f in _judged([protect, offboard, early, unprotected, in_window]) if f.rule == "last-day"]
    assert [(f.event_id, f.late) for f in in_time] == [(in_window.event_id, False)]  # once, not late

"""`auditlog timeline`, `diff`, `actor`, `snapshot` and `who` filters on the incident day.

The whole generated day goes into a fresh ledger through the ledger's append
path; the scenario's ``Incident`` (what really happened) is the answer key.
"""

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from auditlog.producers.scenario import DAY, Scenario, build
from tests.acceptance.test_cli import auditlog
from tests.factories import append_events

NY = ("--tz", "America/New_York")


@pytest.fixture(scope="module")
def day(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, Path]:
    scenario = build()
    with psycopg.connect(database_url, autocommit=True) as conn:
        for start in range(0, len(scenario.events), 1000):
            append_events(conn, scenario.events[start:start + 1000])
    return scenario, tmp_path_factory.mktemp("history")


def _json(env: dict[str, str], cwd: Path, *args: str) -> Any:
    done = auditlog(env, cwd, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_timeline_shows_the_deactivation_interval_with_both_actors(cli_env: dict[str, str], day: Any) -> None:
    scenario, cwd = day
    incident = scenario.incident
    window = ("--from", "2017-11-02T18:00", "--to", "2017-11-02T20:00", *NY)
    answer = _json(cli_env, cwd, "timeline", incident.account_id, *window)
    (interval,) = answer["intervals"]
    assert interval["status"] == "deactivated"
    assert (interval["start"]["actor"], interval["end"]["actor"]) == (incident.culprit_id, incident.restorer_id)
    assert interval["seconds"] == (incident.restored_at - incident.deactivated_at).total_seconds()
    assert answer["state_before"]["protected"] is True
    changed = [e["changed"].get("status") for e in answer["events"]]
    assert ["active", "deactivated"] in changed and ["deactivated", "active"] in changed
    text = auditlog(cli_env, cwd, "timeline", incident.account_id, *window).stdout
    assert (f"deactivated 2017-11-02T18:58:02-04:00 -> 2017-11-02T19:09:14-04:00, 11m12s, "
            f"by {incident.culprit_id}, restored by {incident.restorer_id}") in text


def test_diff_names_the_status_that_changed_and_came_back(cli_env: dict[str, str], day: Any) -> None:
    scenario, cwd = day
    account = scenario.incident.account_id
    round_trip = _json(cli_env, cwd, "diff", account, "2017-11-02T18:45", "2017-11-02T19:15", *NY)
    status = next(f for f in round_trip["fields"] if f["field"] == "status")
    assert (status["before"], status["after"], status["net_change"]) == ("active", "active", False)
    assert [c["actor"]["id"] for c in status["changes"]] == [scenario.incident.culprit_id,
                                                             scenario.incident.restorer_id]
    during = _json(cli_env, cwd, "diff", account, "2017-11-02T18:45-04:00", "2017-11-02T19:00-04:00")
    status = next(f for f in during["fields"] if f["field"] == "status")
    assert (status["before"], status["after"], status["changes"][0]["reason"]) == ("active", "deactivated",
                                                                                    "user report")


def test_actor_shows_every_action_of_the_day_and_that_they_were_still_engaged(cli_env: dict[str, str],
                                                                               day: Any) -> None:
    scenario, cwd = day
    culprit = scenario.incident.culprit_id
    day_end = DAY + timedelta(days=1)
    expected = [e for e in scenario.events if e.actor.id == culprit and DAY <= e.occurred_at < day_end]
    answer = _json(cli_env, cwd, "actor", culprit, "--on", "2017-11-02", *NY)
    assert [a["event_id"] for a in answer["actions"]] == [e.event_id for e in expected]
    assert {(a["actor_state"]["employment"], tuple(a["actor_state"]["roles"])) for a in answer["actions"]} == {
        ("active", ("support-agent",))}
    assert answer["state"]["engagement_end"] == "2017-11-02T23:59:59-04:00"
    after = _json(cli_env, cwd, "actor", culprit, "--on", "2017-11-03", *NY)
    assert (after["actions"], after["state"]["employment"]) == ([], "offboarded")
    text = auditlog(cli_env, cwd, "actor", culprit, "--on", "2017-11-02", *NY).stdout
    assert f"({len(expected)} actions)" in text and "engagement ends 2017-11-02T23:59:59-04:00" in text


def test_who_filters_by_actor_kind_and_org(cli_env: dict[str, str], day: Any) -> None:
    scenario, cwd = day
    answer = _json(cli_env, cwd, "who", "--actor-kind", "contractor", "--org", "vendor-b",
                   "--action", "account.deactivate", "--limit", "1000")
    expected = Counter(e.actor.id for e in scenario.events if e.actor.org == "vendor-b"
                       and e.actor.kind == "contractor" and e.action == "account.deactivate")
    assert Counter(e["actor"]["id"] for e in answer["events"]) == expected and expected


def test_snapshots_change_no_answer(cli_env: dict[str, str], day: Any) -> None:
    scenario, cwd = day
    account = scenario.incident.account_id
    moments = ["2017-11-02T18:57:00-04:00", "2017-11-02T19:00:00-04:00", "2017-11-02T19:10:00-04:00",
               "2016-01-01T00:00:00Z"]
    before = [_json(cli_env, cwd, "state", account, "--at", m) for m in moments]
    done = auditlog(cli_env, cwd, "snapshot", "--every", "2")
    assert done.returncode == 0 and done.stdout.startswith("wrote ")
    assert [_json(cli_env, cwd, "state", account, "--at", m) for m in moments] == before
    assert [b["status"] for b in before[:3]] == ["active", "deactivated", "active"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("actor", "c-vb-07", "--on", "2017-11-02"), "pass --tz"),
        (("actor", "c-vb-07", "--on", "yesterday", "--tz", "UTC"), "is not a date"),
        (("diff", "a", "2017-11-02T19:00Z", "2017-11-02T18:00Z"), "T1 must not be later than T2"),
        (("timeline", "a", "--from", "2017-11-02T19:00"), "has no UTC offset"),
        (("snapshot", "--every", "0"), "--every: must be at least 1"),
    ],
)
def test_bad_input_exits_2_with_a_one_line_reason(cli_env: dict[str, str], day: Any, args: tuple[str, ...],
                                                  reason: str) -> None:
    done = auditlog(cli_env, day[1], *args)
    assert done.returncode == 2
    assert reason in done.stderr and done.stderr.count("\n") == 1

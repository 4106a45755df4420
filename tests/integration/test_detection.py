"""The detector on a real ledger: the incident day raises rules 1-4 naming the contractor, an
ordinary ticketed deactivation raises nothing, a late offboarding raises late alerts for what came
before it, and the alerts reach a real webhook signed, late but complete, after it was down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from auditlog.consumers.alert_sinks import SIGNATURE_HEADER, signature
from auditlog.consumers.detector import backtest, detect
from auditlog.domain.model import Change
from auditlog.domain.rules_config import load_rules
from auditlog.domain.settings import Settings
from auditlog.ledger.alerts import AlertFilter, StoredAlert
from auditlog.ledger.gateway import Ledger
from auditlog.producers.scenario import CULPRIT, PROTECTED_ACCOUNT, RESTORER, build
from tests.factories import append_events, event

SECRET = "test-webhook-secret"


def alerts(settings: Settings, **where: object) -> list[StoredAlert]:
    with Ledger.from_settings(settings) as ledger, ledger.reading() as unit:
        return unit.alerts(AlertFilter(**where))  # type: ignore[arg-type]


def append(settings: Settings, events: list) -> None:  # type: ignore[type-arg]
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for start in range(0, len(events), 500):
            append_events(conn, events[start:start + 500])


class Hook:
    """A real HTTP webhook receiver that can be made to fail (503) for a while."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        self.down = threading.Event()
        self.refused = 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.down.is_set():
                    hook.refused += 1
                    self.send_response(503)
                else:
                    hook.received.append((body, self.headers[SIGNATURE_HEADER]))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hook() -> Iterator[Hook]:
    receiver = Hook()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def day(settings: Settings, hook: Hook) -> Settings:
    """The incident day in the ledger, judged by a detector whose webhook was down at first."""
    with Ledger.from_settings(settings) as ledger:
        ledger.migrate()
    append(settings, list(build().events))
    hooked = replace(settings, alert_webhook=hook.url, alert_webhook_secret=SECRET)
    hook.down.set()
    tally = detect(hooked, until_idle=True)  # the final delivery pass meets the 503s
    assert tally.alerts > 0
    hook.down.clear()
    return hooked


def test_the_incident_raises_rules_1_to_4_naming_the_contractor(day: Settings) -> None:
    raised = alerts(day, target=PROTECTED_ACCOUNT)
    by_rule = {a.rule: a for a in raised}
    assert {"protected-change", "after-engagement", "last-day", "quick-reversal"} <= set(by_rule)
    for rule in ("protected-change", "after-engagement", "last-day"):
        assert by_rule[rule].actor_id == CULPRIT and CULPRIT in by_rule[rule].summary
        assert by_rule[rule].severity in ("high", "critical")
    reversal = by_rule["quick-reversal"]
    assert reversal.actor_id == RESTORER and CULPRIT in reversal.summary and "11m12s" in reversal.summary
    assert reversal.related_event_id == by_rule["protected-change"].event_id
    assert reversal.linked_alert_id == min(a.id for a in raised if a.event_id == reversal.related_event_id)
    assert all(a.recorded_at is not None and a.raised_at >= a.recorded_at for a in raised)


def test_no_rule_alerts_twice_for_an_event_and_a_second_run_adds_nothing(day: Settings) -> None:
    before = alerts(day)
    assert len({(a.rule, a.event_id) for a in before}) == len(before)
    assert detect(day, until_idle=True).alerts == 0
    assert len(alerts(day)) == len(before)


def test_an_ordinary_ticketed_deactivation_by_an_employee_raises_nothing(day: Settings) -> None:
    ordinary = event("account.deactivate", target="acct-ordinary-1", actor="e-ts-01", kind="employee",
                     at="2017-11-03T15:00:00+00:00", reason="spam wave", ticket="SUP-12345")
    append(day, [ordinary])
    detect(day, until_idle=True)
    assert alerts(day, target="acct-ordinary-1") == []


def test_a_late_offboarding_raises_late_alerts_for_the_actions_after_the_engagement_ended(day: Settings) -> None:
    actor = "c-late-01"
    early = event("account.update", target="acct-late-1", actor=actor, at="2017-11-04T10:00:00+00:00")
    after = event("account.update", target="acct-late-2", actor=actor, at="2017-11-04T11:00:00+00:00")
    append(day, [event("actor.onboard", target=actor, actor="sys-hr-sync", kind="system",
                       at="2017-10-01T09:00:00+00:00", changes=(Change("kind", None, "contractor"),)),
                 early, after])
    detect(day, until_idle=True)
    assert alerts(day, actor=actor, rule="after-engagement") == []
    offboard = event("actor.offboard", target=actor, actor="sys-hr-sync", kind="system",
                     at="2017-11-04T12:00:00+00:00",
                     changes=(Change("engagement_end", None, "2017-11-04T10:30:00+00:00"),))
    append(day, [offboard])
    detect(day, until_idle=True)
    late = alerts(day, actor=actor, rule="after-engagement")
    assert [(a.event_id, a.late) for a in late] == [(after.event_id, True)]


def test_an_engagement_end_that_lands_late_raises_last_day_late_on_a_protected_account(day: Settings) -> None:
    """The end travels on the actor's partition, the action on the account's: the ledger may hold
    the action first; the detector answers the late check from the ledger."""
    actor = "c-late-02"
    protect = event("account.protect", target="acct-late-3", actor="e-late-1", kind="employee",
                    at="2017-11-05T08:00:00+00:00", reason="newsworthy account")
    action = event("account.suspend", target="acct-late-3", actor=actor, at="2017-11-05T09:00:00+00:00",
                   ticket="SUP-1")
    elsewhere = event("account.suspend", target="acct-late-4", actor=actor, at="2017-11-05T09:05:00+00:00",
                      ticket="SUP-2")  # not protected: no last-day
    append(day, [protect, action, elsewhere])
    detect(day, until_idle=True)
    assert alerts(day, actor=actor, rule="last-day") == []
    append(day, [event("actor.offboard", target=actor, actor="sys-hr-sync", kind="system",
                       at="2017-11-05T09:30:00+00:00",
                       changes=(Change("engagement_end", None, "2017-11-05T18:00:00+00:00"),))])
    detect(day, until_idle=True)
    late = alerts(day, actor=actor, rule="last-day")
    assert [(a.event_id, a.late, a.severity) for a in late] == [(action.event_id, True, "critical")]
    assert "the engagement's end reached the ledger later" in late[0].summary


def test_the_webhook_gets_every_alert_signed_once_it_is_back(day: Settings, hook: Hook) -> None:
    assert hook.refused > 0  # it was down when the first alerts were raised
    deadline = datetime.now(UTC) + timedelta(seconds=90)
    expected = {a.id for a in alerts(day)}
    while True:
        detect(day, until_idle=True)  # each run ends with a delivery pass
        got = {json.loads(body)["id"] for body, _ in hook.received}
        if expected <= got or datetime.now(UTC) > deadline:
            break
        threading.Event().wait(1.0)
    assert expected <= got
    for body, header in hook.received:
        assert header == signature(SECRET, body) != signature("another secret", body)


def test_a_backtest_finds_what_the_detector_raised_without_storing(day: Settings) -> None:
    start, end = datetime(2017, 11, 2, 4, tzinfo=UTC), datetime(2017, 11, 3, 4, tzinfo=UTC)
    stored = {(a.rule, a.event_id) for a in alerts(day, start=start, end=end)}
    count = len(alerts(day))
    result = backtest(day, load_rules(None), start, end)
    assert {(f.rule, f.event_id) for f in result.findings} == stored
    assert result.judged > 3000 and len(alerts(day)) == count


def test_alerts_reach_the_alert_topic_keyed_by_target(day: Settings) -> None:
    from kafka import KafkaConsumer, TopicPartition

    from auditlog.producers.topics import ensure_topic

    assert day.bootstrap_servers
    topic = day.topic + "-alerts"
    ensure_topic(day.bootstrap_servers, topic, 1)
    published = replace(day, alert_topic=topic)
    protected = "acct-topic-1"
    append(day, [event("account.protect", target=protected, actor="e-admin-01", kind="employee",
                       at="2017-11-05T10:00:00+00:00", ticket="SEC-1"),
                 event("account.suspend", target=protected, actor="c-topic-01", at="2017-11-05T10:05:00+00:00")])
    detect(published, until_idle=True)
    raised = {a.id: a for a in alerts(day, target=protected)}
    assert raised, "the contractor's suspension of a protected account raised nothing"
    consumer = KafkaConsumer(bootstrap_servers=day.bootstrap_servers, enable_auto_commit=False,
                             consumer_timeout_ms=5000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    got = {json.loads(m.value)["id"]: m.key for m in consumer}
    consumer.close()
    assert set(got) == set(raised)
    assert set(got.values()) == {protected.encode()}


def test_the_alerts_command_answers_and_puts_its_read_on_the_record(day: Settings, cli_env: dict[str, str]) -> None:
    import os
    import subprocess
    import sys

    from auditlog.ledger.access import ReadFilter

    auditlog = os.path.join(os.path.dirname(sys.executable), "auditlog")
    shown = subprocess.run([auditlog, "alerts", "--target", PROTECTED_ACCOUNT, "--case", "CASE-DET-1", "--json"],
                           env=cli_env, capture_output=True, text=True, check=True)
    answer = json.loads(shown.stdout)
    assert {a["rule"] for a in answer["alerts"]} >= {"protected-change", "quick-reversal"}
    refused = subprocess.run([auditlog, "alerts", "--severity", "urgent", "--case", "CASE-DET-1"], env=cli_env,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "--severity" in refused.stderr
    with Ledger.from_settings(day) as ledger, ledger.reading() as unit:
        recorded = unit.reads(ReadFilter(case_id="CASE-DET-1"))
    assert [r.route for r in recorded] == ["auditlog alerts"]  # the refused one read nothing

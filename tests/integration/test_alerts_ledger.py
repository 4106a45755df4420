"""Alerts and acknowledgements are ledger rows: appended once per (rule, event), chained, verified,
refused any change; the outbox gets a row per sink with each new alert."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest

from auditlog.domain.errors import BadInput
from auditlog.domain.settings import Settings
from auditlog.ledger.alerts import AlertDraft, AlertFilter, alert_plain
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.verify import verify

AT = datetime(2017, 11, 2, 22, 58, 2, tzinfo=UTC)


def draft(rule: str, event_id: str, *, related: str | None = None, severity: str = "high",
          summary: str = "c-vb-07 deactivated protected account acct-hos-0001") -> AlertDraft:
    return AlertDraft(rule, severity, event_id, 1, "c-vb-07", "acct-hos-0001", AT, summary, related, False)


@pytest.fixture(scope="module")
def ledger(settings: Settings) -> Ledger:
    with Ledger.from_settings(settings) as ledger:
        ledger.migrate()
        yield ledger


def test_each_rule_alerts_once_per_event_and_the_reversal_links_the_first(ledger: Ledger) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with ledger.writing() as unit:
        ids = unit.insert_alerts([draft("protected-change", first), draft("last-day", first),
                                  draft("protected-change", first)], ["webhook", "topic"])
    assert len(ids) == 2  # the repeat inside the batch is skipped
    with ledger.writing() as unit:
        again = unit.insert_alerts([draft("protected-change", first),
                                    draft("quick-reversal", second, related=first, summary="Zoë ☃ restored")],
                                   ["webhook"])
    assert len(again) == 1
    with ledger.reading() as unit:
        stored = unit.alerts(AlertFilter(target="acct-hos-0001"))
        outbox = {p.sink: p.pending for p in unit.alert_outbox()}
    by_rule = {a.rule: a for a in stored}
    assert sorted(by_rule) == ["last-day", "protected-change", "quick-reversal"]
    assert by_rule["quick-reversal"].linked_alert_id == min(ids)
    assert by_rule["quick-reversal"].summary == "Zoë ☃ restored"
    assert outbox == {"webhook": 3, "topic": 2}
    plain = alert_plain(by_rule["quick-reversal"])
    assert plain["related_event_id"] == first and plain["acks"] == []


def test_filters_pick_by_rule_actor_and_severity(ledger: Ledger) -> None:
    with ledger.writing() as unit:
        unit.insert_alerts([draft("first-contact", str(uuid.uuid4()), severity="low")], [])
    with ledger.reading() as unit:
        low = unit.alerts(AlertFilter(severities=("low",)))
        high = unit.alerts(AlertFilter(severities=("high", "critical"), actor="c-vb-07"))
        nobody = unit.alerts(AlertFilter(actor="e-nobody"))
    assert [a.rule for a in low] == ["first-contact"]
    assert high and all(a.severity == "high" for a in high)
    assert nobody == []


def test_acknowledgements_are_appended_and_refused_without_a_note_or_an_alert(ledger: Ledger) -> None:
    with ledger.writing() as unit:
        [alert_id] = unit.insert_alerts([draft("burst", str(uuid.uuid4()), severity="medium")], [])
    with ledger.writing() as unit:
        unit.acknowledge(alert_id, "known: vendor-b cleanup", "analyst-1")
    with ledger.writing() as unit:
        unit.acknowledge(alert_id, "closed", "analyst-2")
    with pytest.raises(BadInput, match="--note"), ledger.writing() as unit:
        unit.acknowledge(alert_id, "  ", "analyst-1")
    with pytest.raises(BadInput, match="no such alert"), ledger.writing() as unit:
        unit.acknowledge(10**9, "x", "analyst-1")
    with ledger.reading() as unit:
        [alert] = unit.alerts(AlertFilter(alert_ids=(alert_id,)))
    assert [(a.note, a.acked_by) for a in alert.acks] == [("known: vendor-b cleanup", "analyst-1"),
                                                          ("closed", "analyst-2")]


def test_alert_chains_verify_and_a_changed_alert_does_not(settings: Settings, ledger: Ledger) -> None:
    with ledger.writing() as unit:
        unit.insert_alerts([draft("after-engagement", str(uuid.uuid4()), severity="critical")], [])
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        clean = verify(conn)
        assert clean.ok, clean.first_bad
        assert clean.other_rows.get("alert", 0) >= 4 and clean.other_rows.get("alert_ack", 0) >= 2
        conn.execute("ALTER TABLE alerts DISABLE TRIGGER USER")
        conn.execute("UPDATE alerts SET summary = 'nothing to see' WHERE rule = 'protected-change'")
        changed = verify(conn)
        conn.rollback()
    assert not changed.ok
    assert changed.first_bad is not None and "alert" in str(changed.first_bad)

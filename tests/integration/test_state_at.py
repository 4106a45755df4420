"""State at a time from the real ledger, on both clocks."""

import time
from datetime import UTC, datetime

import psycopg
import pytest

from auditlog.consumers.ingest import ingest
from auditlog.domain.account import Status
from auditlog.domain.settings import Settings
from auditlog.ledger.state import state_at
from auditlog.producers.producer import AuditProducer
from auditlog.producers.topics import ensure_topic
from tests.factories import event

ACCOUNT = "acct-hos"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def ledger(settings: Settings) -> tuple[str, datetime]:
    """The incident on one account; the restore is reported late (second ingest).
    Returns the database URL and a ledger time between the two ingests."""
    assert settings.bootstrap_servers and settings.database_url
    ensure_topic(settings.bootstrap_servers, settings.topic, settings.partitions)
    with AuditProducer(settings.bootstrap_servers, settings.topic) as producer:
        producer.emit(event("account.create", ACCOUNT, "2012-02-21T09:00:00+00:00", "svc", "service"))
        producer.emit(event("account.protect", ACCOUNT, "2012-03-22T09:00:00+00:00", "e-1", "employee"))
        producer.emit(event("account.deactivate", ACCOUNT, "2017-11-02T22:58:02+00:00"))
    ingest(settings, until_idle=True)
    between = datetime.now(UTC)
    time.sleep(0.05)
    with AuditProducer(settings.bootstrap_servers, settings.topic) as producer:
        producer.emit(event("account.reactivate", ACCOUNT, "2017-11-02T23:09:14+00:00", "e-3", "employee"))
    ingest(settings, until_idle=True)
    return settings.database_url, between


def test_state_follows_event_time(ledger: tuple[str, datetime]) -> None:
    url, _ = ledger
    with psycopg.connect(url) as conn:
        before = state_at(conn, ACCOUNT, _t("2017-11-02T22:57:00+00:00"))
        during = state_at(conn, ACCOUNT, _t("2017-11-02T23:00:00+00:00"))
        after = state_at(conn, ACCOUNT, _t("2017-11-02T23:10:00+00:00"))
    assert (before.status, before.protected) == (Status.ACTIVE, True)
    assert during.status is Status.DEACTIVATED
    assert during.last_change is not None and during.last_change.actor_id == "c-17"
    assert after.status is Status.ACTIVE and after.events_applied == 4


def test_the_event_at_exactly_t_is_included(ledger: tuple[str, datetime]) -> None:
    url, _ = ledger
    with psycopg.connect(url) as conn:
        assert state_at(conn, ACCOUNT, _t("2017-11-02T22:58:02+00:00")).status is Status.DEACTIVATED
        assert state_at(conn, ACCOUNT, _t("2017-11-02T22:58:01.999999+00:00")).status is Status.ACTIVE


def test_known_at_hides_what_the_ledger_had_not_yet_recorded(ledger: tuple[str, datetime]) -> None:
    url, between = ledger
    later = _t("2017-11-02T23:10:00+00:00")
    with psycopg.connect(url) as conn:
        then = state_at(conn, ACCOUNT, later, known_at=between)
        now = state_at(conn, ACCOUNT, later, known_at=datetime.now(UTC))
    assert then.status is Status.DEACTIVATED  # the restore was not on record yet
    assert now.status is Status.ACTIVE


def test_an_account_the_ledger_never_saw_does_not_exist(ledger: tuple[str, datetime]) -> None:
    url, _ = ledger
    with psycopg.connect(url) as conn:
        assert state_at(conn, "nobody", datetime.now(UTC)).exists is False

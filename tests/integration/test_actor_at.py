"""``actor_at`` from the real ledger: engagement and roles when an actor acted."""

from datetime import datetime

import psycopg

from auditlog.domain.actor import Employment
from auditlog.domain.model import Change
from auditlog.ledger.state import actor_at
from tests.factories import append_events, event

HR = {"actor": "sys-hr-sync", "kind": "system"}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_an_offboarded_contractor_was_still_engaged_until_the_engagement_end(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        append_events(conn, [
            event("actor.onboard", "c-9", "2017-03-01T09:00:00+00:00", **HR,
                  changes=(Change("kind", None, "contractor"), Change("org", None, "vendor-b"))),
            event("actor.role_grant", "c-9", "2017-03-01T09:05:00+00:00", **HR,
                  changes=(Change("role", None, "support-agent"),)),
            event("actor.offboard", "c-9", "2017-11-02T13:00:05+00:00", **HR,
                  changes=(Change("engagement_end", None, "2017-11-03T03:59:59+00:00"),)),
            event("account.deactivate", "c-9", "2017-11-02T22:58:02+00:00"),  # an account that shares the id
        ])
        acting = actor_at(conn, "c-9", _t("2017-11-02T22:58:02+00:00"))
        later = actor_at(conn, "c-9", _t("2017-11-03T04:00:00+00:00"))
        before = actor_at(conn, "c-9", _t("2017-03-01T09:04:59+00:00"))
    assert (acting.kind, acting.org, acting.roles) == ("contractor", "vendor-b", ("support-agent",))
    assert acting.engaged(_t("2017-11-02T22:58:02+00:00")) and acting.events_applied == 3
    assert later.employment(_t("2017-11-03T04:00:00+00:00")) is Employment.OFFBOARDED
    assert before.roles == () and before.employment(_t("2017-03-01T09:04:59+00:00")) is Employment.ACTIVE

"""``auditlog demo``: the incident day, end to end, answered from the ledger.

The generator only *emits*; every answer printed here is read back from
Postgres after the ledger writer ingested the topic, as an investigator would
get it. Running the demo again does not emit twice: if the ledger already holds
the day, it goes straight to the questions.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import psycopg

from auditlog.consumers.ingest import ingest
from auditlog.domain.errors import AuditError
from auditlog.domain.settings import Settings
from auditlog.investigate import render
from auditlog.investigate.progress import Progress
from auditlog.investigate.times import show, span
from auditlog.ledger.db import connect
from auditlog.ledger.migrate import migrate
from auditlog.ledger.read import WhoFilter, who, who_all
from auditlog.ledger.roles import READER
from auditlog.ledger.state import state_at
from auditlog.producers.producer import AuditProducer
from auditlog.producers.scenario import DAY, EASTERN, PROTECTED_ACCOUNT, build
from auditlog.producers.topics import ensure_topic

QUESTION_TIMES = ((18, 57), (19, 0), (19, 10))


def run_demo(settings: Settings) -> int:
    scenario = build()
    with connect(settings.require_database()) as conn:
        migrate(conn)
        already = _events_present(conn, [e.event_id for e in scenario.events])
    print(f"The incident day {DAY.date()} (US Eastern): {len(scenario.events)} admin actions by "
          f"{scenario.actors} actors on {scenario.accounts} accounts.")
    if already == len(scenario.events):
        print("The ledger already holds the whole day; answering from it.\n")
    else:
        _emit_and_ingest(settings, scenario.events)
    with connect(settings.require_database(), role=READER) as conn:
        _answer(conn)
    return 0


def _emit_and_ingest(settings: Settings, events: tuple[object, ...]) -> None:
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer, Progress("emit  ", len(events)) as bar:
        for event in events:
            producer.send(event)  # type: ignore[arg-type]
            bar.advance()
        producer.flush()
    print(f"emitted {len(events)} events to {settings.topic}")
    stats = ingest(settings, until_idle=True)
    print(f"ledger writer: {stats.appended} appended, {stats.duplicates} duplicates skipped, "
          f"{stats.rejected} rejected\n")


def _answer(conn: psycopg.Connection) -> None:
    day_start = DAY
    day_end = DAY + timedelta(days=1) - timedelta(microseconds=1)
    account = PROTECTED_ACCOUNT

    _heading(f"1. Who deactivated {account}, and when?")
    deactivations = who(conn, WhoFilter(target=account, action="account.deactivate",
                                        start=day_start, end=day_end))
    if not deactivations:
        raise AuditError(f"the ledger has no deactivation of {account} on {DAY.date()}")
    for item in deactivations:
        e = item.event
        before = state_at(conn, account, e.occurred_at - timedelta(microseconds=1))
        print(f"  {e.actor.id} ({e.actor.kind}, {e.actor.org}, {e.actor.display_name}) "
              f"at {show(e.occurred_at, EASTERN)}")
        print(f"  reason {e.reason!r}, ticket {e.ticket or '-'}, via {e.source.tool if e.source else '-'}"
              f" from {e.actor.source_ip or '-'}, session {e.actor.session_id or '-'}")
        print(f"  the account was {'PROTECTED' if before.protected else 'not protected'} "
              f"({before.status.value}) when it happened")
        restore = who(conn, WhoFilter(target=account, action="account.reactivate",
                                      start=e.occurred_at, end=day_end), limit=1)
        if restore:
            r = restore[0].event
            print(f"  restored by {r.actor.id} ({r.actor.kind}) at {show(r.occurred_at, EASTERN)}: "
                  f"down for {span(r.occurred_at - e.occurred_at)}")
    culprit = deactivations[0].event.actor.id

    _heading(f"2. What did {account} look like at 18:57, 19:00 and 19:10 Eastern?")
    rows = []
    for hour, minute in QUESTION_TIMES:
        at = datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=EASTERN)
        s = state_at(conn, account, at)
        last = s.last_change
        rows.append([show(at, EASTERN), s.status.value, "yes" if s.protected else "no",
                     f"{last.action} by {last.actor_id}" if last else "-"])
    render.table(("at", "status", "protected", "last change"), rows)

    _heading(f"3. What else did {culprit} do that day?")
    offboard = who(conn, WhoFilter(target=culprit, action="actor.offboard"), limit=1)
    if offboard:
        change = offboard[0].event.change("engagement_end")
        end = datetime.fromisoformat(change.new) if change and change.new else None
        print(f"  engagement ends {show(end, EASTERN)} (offboarded by {offboard[0].event.actor.id}: "
              f"{offboard[0].event.reason})")
    actions = who_all(conn, WhoFilter(actor=culprit, start=day_start, end=day_end))
    counts = Counter(item.event.action for item in actions)
    print(f"  {len(actions)} actions: " + ", ".join(f"{n} {a}" for a, n in counts.most_common()))
    print()
    render.table(render.EVENT_HEADERS, [render.event_row(item, EASTERN) for item in actions])


def _events_present(conn: psycopg.Connection, ids: list[str]) -> int:
    row = conn.execute("SELECT count(*) FROM events WHERE event_id = ANY(%s::uuid[])", (ids,)).fetchone()
    conn.commit()
    return int(row[0]) if row else 0


def _heading(text: str) -> None:
    print(f"\n{text}")

"""``auditlog demo``: the incident day, end to end, answered from the ledger.

The generator only *emits*; every answer printed here is read back from
Postgres after the ledger writer ingested the topic, as an investigator would
get it: through the same use cases as the CLI, shown by the same text renderer.
Running the demo again does not emit twice: if the ledger already holds the
day, it goes straight to the questions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from auditlog.consumers.detector import detect, detecting
from auditlog.consumers.ingest import ingest
from auditlog.domain.errors import AuditError
from auditlog.domain.model import AdminAction
from auditlog.domain.settings import Settings
from auditlog.investigate.progress import Progress
from auditlog.investigate.render import text
from auditlog.investigate.times import show, span
from auditlog.investigate.usecases.admin import events_recorded, migrate
from auditlog.investigate.usecases.alerts import AlertsQuery, list_alerts
from auditlog.investigate.usecases.evidence import build_tree, prove
from auditlog.investigate.usecases.history import TICK, ActorQuery, StateQuery, WhoQuery, actor_day, state_at, who
from auditlog.investigate.usecases.integrity import checkpoint, init_keys
from auditlog.ledger.gateway import Ledger
from auditlog.producers.producer import AuditProducer
from auditlog.producers.scenario import DAY, EASTERN, PROTECTED_ACCOUNT, build
from auditlog.producers.topics import ensure_topic

QUESTION_TIMES = ((18, 57), (19, 0), (19, 10))
_PAGE = 1000  # more than the day holds of any one question's rows


def run_demo(settings: Settings) -> int:
    scenario = build()
    with Ledger.from_settings(settings) as ledger:
        migrate(ledger)
        already = events_recorded(ledger, [e.event_id for e in scenario.events])
        print(f"The incident day {DAY.date()} (US Eastern): {len(scenario.events)} admin actions by "
              f"{scenario.actors} actors on {scenario.accounts} accounts.")
        if already == len(scenario.events):
            print("The ledger already holds the whole day; answering from it.\n")
            detect(settings, until_idle=True)  # judges whatever the detector has not judged yet
        else:
            with detecting(settings):  # live, beside the writer, as in production
                _emit_and_ingest(settings, scenario.events)
        culprit_event = _answer(ledger)
        _alerts(ledger)
        _evidence(ledger, settings, culprit_event)
    return 0


DEMO_KEY = Path(".devstack/keys/ledger.key")  # the demo's own signing key when none is configured


def _evidence(ledger: Ledger, settings: Settings, event_id: str) -> None:
    """The transparency log over the day: grow the tree, sign it, prove the deactivation."""
    key_prefix = ""  # how the suggested commands find the demo's key when none is configured
    if settings.signing_key is None:
        key_prefix = f"AUDITLOG_SIGNING_KEY={DEMO_KEY} "
        key = DEMO_KEY.resolve()
        settings = replace(settings, signing_key=key, checkpoint_export=key.parent / "checkpoints.jsonl",
                           trusted_keys=key.parent / "trusted.vkeys")
        if not key.exists():
            init_keys(settings)
    _heading("5. Evidence anyone can check")
    built = build_tree(settings, until_idle=True)
    checkpoint(ledger, settings)  # a chain checkpoint too, and the tree's if the builder signed none
    proof = prove(ledger, settings, event_id)
    print(f"  the ledger is a transparency log of {built.size} leaves (RFC 6962 tree, c2sp.org/tlog-tiles), "
          f"signed for {settings.log_origin}")
    print(f"  the deactivation is leaf {proof.index} of the signed tree of {proof.tree_size}; its proof has "
          f"{len(proof.proof)} hashes")
    print(f"  verifier key: {proof.vkey}")
    print(f"  try: auditlog prove {event_id} --json")
    print(f"       {key_prefix}auditlog bundle {PROTECTED_ACCOUNT} --at 2017-11-02T19:00-04:00 --out hos.bundle.json")
    print(f"       auditlog verify-bundle hos.bundle.json --vkey '{proof.vkey}'")


def _emit_and_ingest(settings: Settings, events: Sequence[AdminAction]) -> None:
    bootstrap = settings.require_broker()
    ensure_topic(bootstrap, settings.topic, settings.partitions)
    with AuditProducer(bootstrap, settings.topic) as producer, Progress("emit  ", len(events)) as bar:
        for event in events:
            producer.send(event)
            bar.advance()
        producer.flush()
    print(f"emitted {len(events)} events to {settings.topic}")
    stats = ingest(settings, until_idle=True)
    print(f"ledger writer: {stats.appended} appended, {stats.duplicates} duplicates skipped, "
          f"{stats.rejected} rejected\n")


def _answer(ledger: Ledger) -> str:
    """Answer the day's questions; return the deactivation's event ID."""
    day_end = DAY + timedelta(days=1) - TICK
    account = PROTECTED_ACCOUNT

    _heading(f"1. Who deactivated {account}, and when?")
    deactivations = who(ledger, WhoQuery(target=account, action="account.deactivate", start=DAY, end=day_end,
                                         limit=_PAGE)).events
    if not deactivations:
        raise AuditError(f"the ledger has no deactivation of {account} on {DAY.date()}")
    for item in deactivations:
        e = item.event
        before = state_at(ledger, StateQuery(account, e.occurred_at - TICK)).state
        print(f"  {e.actor.id} ({e.actor.kind}, {e.actor.org}, {e.actor.display_name}) "
              f"at {show(e.occurred_at, EASTERN)}")
        print(f"  reason {e.reason!r}, ticket {e.ticket or '-'}, via {e.source.tool if e.source else '-'}"
              f" from {e.actor.source_ip or '-'}, session {e.actor.session_id or '-'}")
        print(f"  the account was {'PROTECTED' if before.protected else 'not protected'} "
              f"({before.status.value}) when it happened")
        restore = who(ledger, WhoQuery(target=account, action="account.reactivate", start=e.occurred_at,
                                       end=day_end, limit=1)).events
        if restore:
            r = restore[0].event
            print(f"  restored by {r.actor.id} ({r.actor.kind}) at {show(r.occurred_at, EASTERN)}: "
                  f"down for {span(r.occurred_at - e.occurred_at)}")
    culprit = deactivations[0].event.actor.id

    _heading(f"2. What did {account} look like at 18:57, 19:00 and 19:10 Eastern?")
    rows = []
    for hour, minute in QUESTION_TIMES:
        at = datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=EASTERN)
        s = state_at(ledger, StateQuery(account, at)).state
        last = s.last_change
        rows.append([show(at, EASTERN), s.status.value, "yes" if s.protected else "no",
                     f"{last.action} by {last.actor_id}" if last else "-"])
    _print(text.table(("at", "status", "protected", "last change"), rows))

    _heading(f"3. What else did {culprit} do that day?")
    offboard = who(ledger, WhoQuery(target=culprit, action="actor.offboard", limit=1)).events
    if offboard:
        change = offboard[0].event.change("engagement_end")
        end = datetime.fromisoformat(change.new) if change and change.new else None
        print(f"  engagement ends {show(end, EASTERN)} (offboarded by {offboard[0].event.actor.id}: "
              f"{offboard[0].event.reason})")
    actions = [a.record for a in actor_day(ledger, ActorQuery(culprit, on=DAY.date(), tz=EASTERN)).actions]
    counts = Counter(item.event.action for item in actions)
    print(f"  {len(actions)} actions: " + ", ".join(f"{n} {a}" for a, n in counts.most_common()))
    print()
    _print(text.events_table(actions, EASTERN))
    return str(deactivations[0].event.event_id)


def _alerts(ledger: Ledger) -> None:
    """What the detector raised while the day was ingested, and how soon."""
    _heading(f"4. Would we have seen it at once? The detector's alerts on {PROTECTED_ACCOUNT}")
    page = list_alerts(ledger, AlertsQuery(target=PROTECTED_ACCOUNT))
    for alert in page.alerts:
        delay = "" if alert.recorded_at is None else \
            f", raised {(alert.raised_at - alert.recorded_at).total_seconds():.2f}s after the ledger recorded it"
        print(f"  {alert.severity.upper():8} {alert.rule}: {alert.summary}{delay}")
    others = list_alerts(ledger, AlertsQuery(start=DAY, end=DAY + timedelta(days=1)))
    rest = Counter(a.rule for a in others.alerts if a.target_id != PROTECTED_ACCOUNT)
    print(f"  the rest of the day: {sum(rest.values())} alerts"
          + (" (" + ", ".join(f"{n} {rule}" for rule, n in rest.most_common()) + ")" if rest else ""))
    print("  try: auditlog alerts --severity high --tz America/New_York ; auditlog rules explain quick-reversal")


def _print(lines: list[str]) -> None:
    for line in lines:
        print(line)


def _heading(title: str) -> None:
    print(f"\n{title}")

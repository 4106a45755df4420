"""Alerts, acknowledgements and backtests as JSON (one shape: ``ledger.alerts.alert_plain``, what
the sinks send too) and as text."""

from __future__ import annotations

from collections import Counter
from datetime import tzinfo
from typing import Any

from auditlog.consumers.detector import Backtest, DetectorTally
from auditlog.investigate.render.rules import finding_json
from auditlog.investigate.render.text import table
from auditlog.investigate.times import show
from auditlog.investigate.usecases.alerts import AlertsPage
from auditlog.ledger.alerts import Ack, alert_plain


def alerts_json(page: AlertsPage, tz: tzinfo | None) -> dict[str, Any]:
    return {"alerts": [alert_plain(a) for a in page.alerts],
            "undelivered": [{"sink": p.sink, "pending": p.pending,
                             "oldest": p.oldest.isoformat() if p.oldest else None, "most_attempts": p.most_attempts}
                            for p in page.outbox]}


def alerts_text(page: AlertsPage, tz: tzinfo | None) -> list[str]:
    if not page.alerts:
        return ["no alerts match"]
    rows = []
    for a in page.alerts:
        delay = "-" if a.recorded_at is None else f"{(a.raised_at - a.recorded_at).total_seconds():.2f}s"
        flags = ("late " if a.late else "") + (f"acked x{len(a.acks)}" if a.acks else "")
        rows.append([a.id, a.severity.upper(), a.rule, show(a.occurred_at, tz), a.actor_id, a.target_id, delay,
                     flags.strip() or "-", a.summary])
    lines = table(("id", "severity", "rule", "occurred", "actor", "target", "detected in", "notes", "summary"), rows)
    for p in page.outbox:
        lines.append(f"{p.sink}: {p.pending} alert(s) not delivered yet (oldest raised {show(p.oldest, tz)}, "
                     f"up to {p.most_attempts} attempts)")
    return lines


def ack_json(ack: Ack, alert_id: int) -> dict[str, Any]:
    return {"alert_id": alert_id, "note": ack.note, "acked_by": ack.acked_by, "acked_at": ack.acked_at.isoformat()}


def ack_text(ack: Ack, alert_id: int) -> list[str]:
    return [f"alert {alert_id} acknowledged by {ack.acked_by} at {ack.acked_at.isoformat()}: {ack.note}"]


def backtest_json(result: Backtest, tz: tzinfo | None) -> dict[str, Any]:
    return {"from": result.start.isoformat(), "to": result.end.isoformat(), "events_judged": result.judged,
            "events_folded": result.folded, "seconds": round(result.seconds, 3),
            "by_rule": dict(Counter(f.rule for f in result.findings)),
            "findings": [finding_json(f, tz) for f in result.findings]}


def backtest_text(result: Backtest, tz: tzinfo | None) -> list[str]:
    counts = Counter(f.rule for f in result.findings)
    lines = [f"backtest {show(result.start, tz)} .. {show(result.end, tz)}: {result.judged} events judged "
             f"({result.folded} others folded for context) in {result.seconds:.1f}s; "
             f"{len(result.findings)} alerts would have been raised"
             + (": " + ", ".join(f"{n} {rule}" for rule, n in counts.most_common()) if counts else "")]
    if result.findings:
        lines.append("")
        lines += table(("severity", "rule", "occurred", "actor", "target", "summary"),
                       [[f.severity.value.upper(), f.rule + (" (late)" if f.late else ""), show(f.occurred_at, tz),
                         f.actor_id, f.target_id, f.summary] for f in result.findings])
    return lines


def detected_json(tally: DetectorTally) -> dict[str, Any]:
    return {"events_judged": tally.events, "alerts_raised": tally.alerts, "events_folded_at_start": tally.warmed}


def detected_text(tally: DetectorTally) -> list[str]:
    return [f"detector: {tally.events} events judged, {tally.alerts} alerts raised"
            + (f" ({tally.warmed} earlier events folded at start)" if tally.warmed else "")]

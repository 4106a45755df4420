"""Alerts: appending what the detector raised, acknowledging, reading back, and the outbox.

An alert is a ledger row of its own kind (``kinds.ALERT``): append-only, one hash chain for all
alerts, in the feed, the Merkle tree and the checkpoints. ``insert_alerts`` runs in the
detector's transaction, the one that stores its feed position, under the alert chain's lock:
it skips every (rule, event) already stored (a restarted detector judges its last page again),
so a rule alerts at most once per event. Each new alert gets an outbox row per sink in the same
transaction; the sinks deliver from there (``consumers/alert_sinks.py``). An acknowledgement is
appended as a row of its own kind, never an edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from auditlog.domain.errors import BadInput
from auditlog.ledger import chain, chained, records
from auditlog.ledger.db import translated_errors
from auditlog.ledger.locks import ACK_CHAIN, ALERT_CHAIN
from auditlog.ledger.sql import query


@dataclass(frozen=True)
class AlertDraft:
    """An alert about to be stored: what a rule found, and the ledger row of its event."""

    rule: str
    severity: str
    event_id: str
    event_seq: int
    actor_id: str
    target_id: str
    occurred_at: datetime
    summary: str
    related_event_id: str | None = None
    late: bool = False


@dataclass(frozen=True)
class Ack:
    note: str
    acked_by: str
    acked_at: datetime


@dataclass(frozen=True)
class StoredAlert:
    id: int
    rule: str
    severity: str
    event_id: str
    actor_id: str
    target_id: str
    occurred_at: datetime
    summary: str
    related_event_id: str | None
    linked_alert_id: int | None
    late: bool
    raised_at: datetime
    recorded_at: datetime | None  # when the ledger learned of the event (None: not an event row)
    acks: tuple[Ack, ...]


@dataclass(frozen=True)
class AlertFilter:
    target: str | None = None
    actor: str | None = None
    rule: str | None = None
    severities: tuple[str, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None
    alert_ids: tuple[int, ...] | None = None
    # a scoped token's reach (None: unscoped): alerts on events whose actor's org is one of these,
    # or whose target is one of these accounts, as for events (domain/access.py)
    scope_orgs: tuple[str, ...] | None = None
    scope_accounts: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Pending:
    sink: str
    pending: int
    oldest: datetime | None
    most_attempts: int


def insert_alerts(conn: psycopg.Connection[Any], drafts: Sequence[AlertDraft], sinks: Sequence[str]) -> list[int]:
    """Append the drafts not stored yet, chained, with an outbox row per sink; their new ids."""
    if not drafts:
        return []
    with translated_errors():
        raised_at, head_pos, head_hash = chained.locked(conn, ALERT_CHAIN, "alert_stamp", {})
        event_ids = sorted({d.event_id for d in drafts} | {d.related_event_id for d in drafts if d.related_event_id})
        stored: set[tuple[str, str]] = set()
        first: dict[str, int] = {}
        for rule, event_id, alert_id in conn.execute(query("alerts_raised"), {"event_ids": event_ids}):
            stored.add((rule, event_id))
            first.setdefault(event_id, alert_id)
        fresh = _unique_new(drafts, stored)
        if not fresh:
            return []
        numbers = conn.execute(query("alert_numbers"), {"count": len(fresh)}).fetchall()
        head = chain.EMPTY if head_pos is None else chain.Head(int(head_pos), bytes(head_hash))
        rows: list[dict[str, Any]] = []
        for draft, (seq, alert_id) in zip(fresh, numbers, strict=True):
            first.setdefault(draft.event_id, alert_id)
            linked = first.get(draft.related_event_id) if draft.related_event_id else None
            pos = head.pos + 1
            new_hash = chain.link_record(head.hash, records.alert_record(
                seq, alert_id, pos, draft.event_seq, draft.occurred_at, raised_at, draft.late, draft.event_id,
                draft.related_event_id, linked, draft.rule, draft.severity, draft.actor_id, draft.target_id,
                draft.summary))
            rows.append({"id": alert_id, "seq": seq, "rule": draft.rule, "severity": draft.severity,
                         "event_id": draft.event_id, "event_seq": draft.event_seq, "actor_id": draft.actor_id,
                         "target_id": draft.target_id, "occurred_at": draft.occurred_at, "summary": draft.summary,
                         "related_event_id": draft.related_event_id, "linked_alert_id": linked,
                         "late": draft.late, "raised_at": raised_at, "chain_pos": pos, "prev_hash": head.hash,
                         "hash": new_hash})
            head = chain.Head(pos, new_hash)
        with conn.cursor() as cur:
            cur.executemany(query("insert_alert"), rows)
            cur.executemany(query("insert_outbox"), [{"alert_id": r["id"], "sink": sink}
                                                     for r in rows for sink in sinks])
    return [r["id"] for r in rows]


def _unique_new(drafts: Sequence[AlertDraft], stored: set[tuple[str, str]]) -> list[AlertDraft]:
    """The drafts whose (rule, event) is neither stored nor earlier in ``drafts``, in order."""
    seen = set(stored)
    fresh = []
    for draft in drafts:
        key = (draft.rule, draft.event_id)
        if key not in seen:
            seen.add(key)
            fresh.append(draft)
    return fresh


def acknowledge(conn: psycopg.Connection[Any], alert_id: int, note: str, acked_by: str) -> Ack:
    """Append an acknowledgement of ``alert_id``, chained under the ack chain's lock."""
    if not note.strip():
        raise BadInput("--note: say why the alert is acknowledged (it is kept with the alert for good)")
    with translated_errors():
        at = chained.stamp(conn, ACK_CHAIN, "ack_stamp", {"alert_id": alert_id})
        (exists,) = at.rest
        if not exists:
            raise BadInput(f"alert {alert_id}: no such alert (`auditlog alerts` lists them)")
        chained.insert(conn, "insert_ack", at, records.ack_record(at.seq, at.pos, alert_id, at.at, note, acked_by),
                       {"alert_id": alert_id, "note": note, "acked_by": acked_by, "acked_at": at.at})
    return Ack(note, acked_by, at.at)


def list_alerts(conn: psycopg.Connection[Any], where: AlertFilter, limit: int = 1000) -> list[StoredAlert]:
    params = {"target": where.target, "actor": where.actor, "rule": where.rule,
              "severities": list(where.severities) if where.severities else None, "start": where.start,
              "end": where.end,
              "alert_ids": list(where.alert_ids) if where.alert_ids is not None else None, "limit": limit,
              "scoped": where.scope_orgs is not None or where.scope_accounts is not None,
              "scope_orgs": list(where.scope_orgs or ()), "scope_accounts": list(where.scope_accounts or ())}
    with translated_errors():
        rows = conn.execute(query("alerts_list"), params).fetchall()
    return [_stored(r) for r in rows]


def _stored(row: tuple[Any, ...]) -> StoredAlert:
    """A row of alerts_list.sql: the columns in StoredAlert's order, the acknowledgements (JSON) last."""
    (id, rule, severity, event_id, actor_id, target_id, occurred_at, summary, related_event_id, linked_alert_id,
     late, raised_at, recorded_at, acks) = row
    return StoredAlert(id, rule, severity, event_id, actor_id, target_id, occurred_at, summary, related_event_id,
                       linked_alert_id, late, raised_at, recorded_at,
                       tuple(Ack(a["note"], a["acked_by"], datetime.fromisoformat(a["acked_at"])) for a in acks))


# -- the outbox ---------------------------------------------------------------------------------

def due(conn: psycopg.Connection[Any], sink: str, limit: int) -> list[tuple[int, int]]:
    """(alert id, attempts so far) of alerts ``sink`` should try now."""
    with translated_errors():
        return [(alert_id, attempts)
                for alert_id, attempts in conn.execute(query("outbox_due"), {"sink": sink, "limit": limit})]


def delivered(conn: psycopg.Connection[Any], sink: str, alert_id: int) -> None:
    with translated_errors():
        conn.execute(query("outbox_delivered"), {"sink": sink, "alert_id": alert_id})


def failed(conn: psycopg.Connection[Any], sink: str, alert_id: int, error: str, delay_s: float) -> None:
    with translated_errors():
        conn.execute(query("outbox_failed"), {"sink": sink, "alert_id": alert_id, "error": error[:500],
                                              "delay_s": delay_s})


def pending(conn: psycopg.Connection[Any]) -> list[Pending]:
    with translated_errors():
        return [Pending(*r) for r in conn.execute(query("outbox_pending"))]


def alert_plain(alert: StoredAlert) -> dict[str, Any]:
    """An alert's JSON shape: what `auditlog alerts --json` prints and every sink sends."""
    delay = None if alert.recorded_at is None else round((alert.raised_at - alert.recorded_at).total_seconds(), 6)
    return {
        "id": alert.id, "rule": alert.rule, "severity": alert.severity, "event_id": alert.event_id,
        "actor_id": alert.actor_id, "target_id": alert.target_id, "occurred_at": alert.occurred_at.isoformat(),
        "summary": alert.summary, "related_event_id": alert.related_event_id,
        "linked_alert_id": alert.linked_alert_id, "late": alert.late, "raised_at": alert.raised_at.isoformat(),
        "event_recorded_at": None if alert.recorded_at is None else alert.recorded_at.isoformat(),
        "detection_seconds": delay,
        "acks": [{"note": a.note, "acked_by": a.acked_by, "acked_at": a.acked_at.isoformat()} for a in alert.acks],
    }

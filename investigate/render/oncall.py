"""The on-call answers (projections, accounts now, lag, rejected messages, re-drive, replay), as
text for people and as JSON for machines (``--json`` and, later, the API): one pair per shape.
Kept beside ``text.py`` and ``json.py`` so those stay one screen per investigator answer."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from auditlog.investigate.render.text import table
from auditlog.investigate.times import show

if TYPE_CHECKING:
    from auditlog.consumers.lag import Lag
    from auditlog.consumers.projector import ProjectorTally, Rebuilt
    from auditlog.consumers.redrive import Outcome
    from auditlog.investigate.usecases.projections import AccountsPage, Projections
    from auditlog.ledger.feed import Position
    from auditlog.ledger.rejected import RejectedMessage, RejectedRow
    from auditlog.producers.replay import ReplaySummary
    from auditlog.producers.restore import Restored


def _pos(p: Position | None) -> dict[str, int] | None:
    return None if p is None else {"txid": p.txid, "seq": p.seq}


def _seq(p: Position | None) -> int | None:
    return None if p is None else p.seq


# -- projections ------------------------------------------------------------------------------------


def projections_json(answer: Projections) -> dict[str, Any]:
    return {"head": _pos(answer.head), "projections": [
        {"name": p.name, "live_generation": p.live, "rows": p.rows, "position": _pos(p.position),
         "rows_behind": p.rows_behind, "seconds_behind": round(p.seconds_behind, 3),
         "rebuilding_generation": p.building, "rebuild_position": _pos(p.rebuild_position)}
        for p in answer.projections]}


def projections_text(answer: Projections) -> list[str]:
    rows = [[p.name, p.live, p.rows, _seq(p.position), p.rows_behind, f"{p.seconds_behind:.1f}",
             "-" if p.building is None else f"generation {p.building} at seq {_seq(p.rebuild_position)}"]
            for p in answer.projections]
    return [f"feed head: seq {_seq(answer.head)}",
            *table(("projection", "generation", "rows", "at seq", "rows behind", "seconds behind", "rebuild"), rows)]


def rebuilt_json(answer: Rebuilt) -> dict[str, Any]:
    return {"name": answer.name, "generation": answer.generation, "replaced": answer.replaced,
            "resumed_from": _pos(answer.resumed_from) if answer.resumed_from.seq else None,
            "rows": answer.rows, "seconds": round(answer.seconds, 3)}


def rebuilt_text(answer: Rebuilt) -> list[str]:
    resumed = f" (resumed after seq {answer.resumed_from.seq})" if answer.resumed_from.seq else ""
    return [f"{answer.name}: generation {answer.generation} is live (replaced {answer.replaced}); "
            f"{answer.rows} feed rows in {answer.seconds:.1f}s{resumed}"]


def projected_text(tally: ProjectorTally) -> list[str]:
    if not tally.rows:
        return ["projections: nothing new"]
    return [f"{name}: {rows} feed rows applied, {tally.written.get(name, 0)} rows written"
            for name, rows in sorted(tally.rows.items())]


def accounts_json(page: AccountsPage, tz: tzinfo | None) -> dict[str, Any]:
    return {"accounts": [
        {"account": a.account, "status": a.status, "protected": a.protected,
         "status_since": {"occurred_at": show(a.status_since_at, tz), "actor": a.status_since_by}
         if a.status_since_at else None,
         "last_change": {"event_id": a.last_event_id, "action": a.last_action, "actor": a.last_actor,
                         "occurred_at": show(a.last_occurred_at, tz)} if a.last_event_id else None,
         "events": a.events} for a in page.accounts], "next_after": page.next_after}


def accounts_text(page: AccountsPage, tz: tzinfo | None) -> list[str]:
    if not page.accounts:
        return ["0 accounts"]
    rows = [[a.account, a.status, "yes" if a.protected else "no", show(a.status_since_at, tz), a.status_since_by,
             a.last_action, a.last_actor, show(a.last_occurred_at, tz)] for a in page.accounts]
    lines = table(("account", "status", "protected", "status since", "by", "last action", "last actor", "at"), rows)
    if page.next_after:
        lines.append(f"(more: --after {page.next_after})")
    return lines


# -- lag ----------------------------------------------------------------------------------------------


def lag_json(answer: Lag, tz: tzinfo | None) -> dict[str, Any]:
    return {
        "topic": answer.topic, "group": answer.group, "at": show(answer.at, tz),
        "partitions": [{"partition": p.partition, "incarnation": p.incarnation, "log_start": p.log_start,
                        "high_watermark": p.log_end, "ledger_next_offset": p.next_offset, "behind": p.behind,
                        "oldest_unread_at": show(p.oldest_unread_at, tz) if p.oldest_unread_at else None,
                        "oldest_unread_seconds": p.oldest_unread_seconds} for p in answer.partitions],
        "feed": {"head": _pos(answer.head.position), "horizon": answer.head.horizon,
                 "held_rows": answer.head.held_rows},
        "consumers": [{"consumer": c.consumer, "position": _pos(c.position), "rows_behind": c.rows_behind,
                       "seconds_behind": round(c.seconds_behind, 3)} for c in answer.consumers],
        "total": {"messages_behind": answer.messages_behind,
                  "oldest_unread_seconds": round(answer.oldest_unread_seconds, 3),
                  "feed_rows_behind": answer.feed_rows_behind,
                  "feed_seconds_behind": round(answer.feed_seconds_behind, 3)},
    }


def lag_text(answer: Lag, tz: tzinfo | None) -> list[str]:
    parts = [[p.partition, p.incarnation, p.log_end, p.next_offset, p.behind,
              "-" if p.oldest_unread_seconds is None else f"{p.oldest_unread_seconds:.1f}s"] for p in answer.partitions]
    lines = [f"topic {answer.topic} (group {answer.group}) at {show(answer.at, tz)}",
             *table(("partition", "incarnation", "high watermark", "ledger next", "behind", "oldest unread"), parts),
             "", f"feed head: seq {_seq(answer.head.position)}"
             + (f"; {answer.head.held_rows} committed rows held above the horizon by a running transaction"
                if answer.head.held_rows else "")]
    if answer.consumers:
        lines += table(("consumer", "at seq", "rows behind", "seconds behind"),
                       [[c.consumer, c.position.seq, c.rows_behind, f"{c.seconds_behind:.1f}"]
                        for c in answer.consumers])
    else:
        lines.append("no feed consumer has read anything yet")
    lines.append(f"total: {answer.messages_behind} messages behind (oldest {answer.oldest_unread_seconds:.1f}s), "
                 f"feed consumers at most {answer.feed_rows_behind} rows ({answer.feed_seconds_behind:.1f}s) behind")
    return lines


# -- rejected messages ---------------------------------------------------------------------------


def _rejected_row(r: RejectedRow, tz: tzinfo | None) -> dict[str, Any]:
    return {"id": r.id, "seq": r.seq, "received_at": show(r.received_at, tz), "topic": r.topic,
            "partition": r.partition, "incarnation": r.incarnation, "offset": r.offset, "reason": r.reason,
            "size": r.size, "resolution": None if r.outcome is None else {
                "outcome": r.outcome, "event_id": r.event_id, "resolved_at": show(r.resolved_at, tz)}}


def rejected_list_json(rows: list[RejectedRow], tz: tzinfo | None) -> dict[str, Any]:
    return {"rejected": [_rejected_row(r, tz) for r in rows]}


def rejected_list_text(rows: list[RejectedRow], tz: tzinfo | None) -> list[str]:
    if not rows:
        return ["0 rejected messages"]
    return table(("id", "received_at", "topic/partition/offset", "size", "reason", "resolved"),
                 [[r.id, show(r.received_at, tz), f"{r.topic}/{r.partition}/{r.offset}", r.size,
                   r.reason if len(r.reason) <= 70 else r.reason[:67] + "...", r.outcome or "-"] for r in rows])


def rejected_show_json(message: RejectedMessage, today: str, tz: tzinfo | None) -> dict[str, Any]:
    return {**_rejected_row(message.row, tz), "raw_value_hex": None if message.raw_value is None
            else message.raw_value.hex(), "raw_key_hex": None if message.raw_key is None else message.raw_key.hex(),
            "today": today, "resolved_by": message.resolved_by, "event_seq": message.event_seq}


def rejected_show_text(message: RejectedMessage, today: str, tz: tzinfo | None) -> list[str]:
    r = message.row
    lines = [f"rejected {r.id} (seq {r.seq}), received {show(r.received_at, tz)}",
             f"at: topic {r.topic}, partition {r.partition}, incarnation {r.incarnation}, offset {r.offset}",
             f"reason: {r.reason}", f"today's decoder: {today}"]
    if r.outcome:
        lines.append(f"resolved: {r.outcome} as event {r.event_id} at {show(r.resolved_at, tz)} "
                     f"by {message.resolved_by}")
    lines.append(f"key: {'-' if message.raw_key is None else message.raw_key.hex()}")
    value = message.raw_value or b""
    lines.append(f"value ({len(value)} bytes):")
    lines += hexdump(value)
    return lines


def hexdump(data: bytes, width: int = 16) -> list[str]:
    """offset, hex bytes, printable ASCII: the classic `hexdump -C` shape."""
    lines = []
    for at in range(0, len(data), width):
        chunk = data[at:at + width]
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{at:08x}  {chunk.hex(' '):<{width * 3 - 1}}  |{text}|")
    return lines


def redrive_json(outcomes: list[Outcome], dry_run: bool) -> dict[str, Any]:
    totals: dict[str, int] = {}
    for o in outcomes:
        totals[o.outcome] = totals.get(o.outcome, 0) + 1
    return {"dry_run": dry_run, "totals": totals, "outcomes": [
        {"rejected_id": o.rejected_id, "outcome": o.outcome, "detail": o.detail, "event_id": o.event_id}
        for o in outcomes]}


def redrive_text(outcomes: list[Outcome], dry_run: bool) -> list[str]:
    if not outcomes:
        return ["0 rejected messages to re-drive"]
    verb = "would be" if dry_run else "were"
    totals: dict[str, int] = {}
    for o in outcomes:
        totals[o.outcome] = totals.get(o.outcome, 0) + 1
    return [*table(("rejected id", "outcome", "detail"), [[o.rejected_id, o.outcome, o.detail] for o in outcomes]),
            f"{len(outcomes)} {verb} re-driven: " + ", ".join(f"{n} {k}" for k, n in sorted(totals.items()))]


# -- replay ---------------------------------------------------------------------------------------


def replay_json(s: ReplaySummary) -> dict[str, Any]:
    return {"topic": s.topic, "dry_run": s.dry_run, "selected": s.selected, "sent": s.sent,
            "first_seq": s.first_seq, "last_seq": s.last_seq, "keyed_by_target": s.keyed_by_target,
            "created_topic": s.created_topic, "partitions": s.partitions, "seconds": round(s.seconds, 3),
            "events_per_second": round(s.rate, 1),
            "sample": [{"seq": m.seq, "from": f"{m.topic}/{m.partition}/{m.offset}", "target_id": m.target_id,
                        "bytes": len(m.value or b"")} for m in s.sample]}


def replay_text(s: ReplaySummary) -> list[str]:
    if s.dry_run:
        lines = [f"{s.selected} events would be sent to {s.topic}"
                 + (f" (seq {s.first_seq}..{s.last_seq})" if s.selected else "")]
        if s.sample:
            lines += table(("seq", "arrived at", "target", "bytes"),
                           [[m.seq, f"{m.topic}/{m.partition}/{m.offset}", m.target_id, len(m.value or b"")]
                            for m in s.sample])
        return lines
    if not s.sent:
        return [f"0 events sent to {s.topic}"]
    created = f" (created it with {s.partitions} partitions)" if s.created_topic else ""
    keyed = f"; {s.keyed_by_target} had no stored key and went keyed by target id" if s.keyed_by_target else ""
    return [f"{s.sent} events sent to {s.topic}{created}: seq {s.first_seq}..{s.last_seq} in {s.seconds:.1f}s "
            f"({s.rate:,.0f}/s){keyed}"]


def restored_json(r: Restored) -> dict[str, Any]:
    return {"topic": r.topic, "dry_run": r.dry_run, "messages": r.messages, "sent": r.sent,
            "created_topic": r.created_topic, "seconds": round(r.seconds, 3),
            "partitions": [{"partition": p.partition, "incarnation": p.incarnation, "messages": p.messages,
                            "resume_at": p.resume_at} for p in r.partitions]}


def restored_text(r: Restored) -> list[str]:
    if not r.partitions:
        return [f"the ledger holds no message of {r.topic}: nothing to restore"]
    verb = "would re-seed" if r.dry_run else "re-seeded"
    lines = table(("partition", "incarnation", "offsets", "from offset"),
                  [[p.partition, p.incarnation, f"0..{p.messages - 1}", p.resume_at] for p in r.partitions])
    done = "" if r.dry_run else f": {r.sent} messages sent in {r.seconds:.1f}s"
    return [*lines, f"{verb} {r.topic} with {r.messages} messages at their original offsets{done}"]

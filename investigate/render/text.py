"""Answers for people: the tables and lines the CLI (and the demo) print, one function per answer.

Each returns the lines to print; times are shown in the display zone ``tz`` (UTC when None).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from auditlog.domain.account import AccountState
from auditlog.domain.history import Interval
from auditlog.investigate.render.json import field_value
from auditlog.investigate.times import show, span

if TYPE_CHECKING:  # the answers' types only: rendering needs neither Postgres' nor Kafka's client
    from pathlib import Path

    from auditlog.consumers.lanes import Tally
    from auditlog.investigate.usecases.admin import Migrated
    from auditlog.investigate.usecases.bundle import Bundle, BundleCheck
    from auditlog.investigate.usecases.contract import BulkEmitted, SchemaCheck
    from auditlog.investigate.usecases.evidence import ConsistencyProof, InclusionProof, Rotated, TreeBuilt
    from auditlog.investigate.usecases.history import ActorDay, Diff, StateAnswer, Timeline, WhoPage
    from auditlog.investigate.usecases.integrity import Checkpointed, KeyPair, Verification
    from auditlog.investigate.usecases.snapshots import SnapshotsWritten
    from auditlog.ledger.read import LedgerEvent
    from auditlog.producers.producer import DeliveryResult


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """Columns as wide as their widest cell, a rule under the headers, None shown as -."""
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _value(value: Any, tz: tzinfo | None) -> str:
    shown = field_value(value, tz)
    if isinstance(shown, dict):
        return ",".join(f"{k}={v}" for k, v in shown.items()) or "(none)"
    if isinstance(shown, bool):
        return _yes(shown)
    return "-" if shown is None else str(shown)


# -- events and states --------------------------------------------------------------------------

EVENT_HEADERS = ("occurred_at", "actor", "kind", "org", "action", "target", "reason", "ticket")


def event_row(record: LedgerEvent, tz: tzinfo | None) -> list[Any]:
    e = record.event
    target = e.target.id if not e.target.handle else f"{e.target.id} ({e.target.handle})"
    return [show(e.occurred_at, tz), e.actor.id, e.actor.kind, e.actor.org, e.action, target, e.reason, e.ticket]


def events_table(records: Sequence[LedgerEvent], tz: tzinfo | None) -> list[str]:
    return table(EVENT_HEADERS, [event_row(r, tz) for r in records])


def state_lines(state: AccountState, tz: tzinfo | None) -> list[str]:
    if not state.exists:
        return ["(no such account in the ledger at that time)"]
    last = state.last_change
    lines = [
        f"status     {state.status.value}",
        f"protected  {_yes(state.protected)}",
        f"verified   {_yes(state.verified)}",
        f"handle     {state.handle or '-'}",
        f"events     {state.events_applied}",
    ]
    if last is not None:
        lines.append(f"last       {last.action} by {last.actor_id} at {show(last.occurred_at, tz)}")
    return lines


# -- the investigator's answers ---------------------------------------------------------------------


def state_answer(answer: StateAnswer, tz: tzinfo | None) -> list[str]:
    clock = f" as known at {show(answer.known_at, tz)}" if answer.known_at else ""
    return [f"{answer.account} at {show(answer.at, tz)}{clock}",
            *(f"  {line}" for line in state_lines(answer.state, tz))]


def who_page(page: WhoPage, tz: tzinfo | None) -> list[str]:
    more = f"; more with --after {page.next_cursor}" if page.next_cursor else ""
    return [*events_table(page.events, tz), f"({len(page.events)} events{more})"]


def interval(span_: Interval, tz: tzinfo | None) -> str:
    began, ended = span_.start, span_.end
    text = f"{span_.status.value} {show(began.occurred_at, tz) if began else '(before the ledger)'} -> "
    text += show(ended.occurred_at, tz) if ended else "(still)"
    if span_.duration is not None:
        text += f", {span(span_.duration)}"
    if began:
        text += f", by {began.actor_id}"
    if ended:
        text += f", restored by {ended.actor_id}"
    return text


def timeline(answer: Timeline, tz: tzinfo | None) -> list[str]:
    lines = [f"{answer.account} from {show(answer.start, tz) if answer.start else 'the beginning'} "
             f"to {show(answer.end, tz)}"]
    if answer.start:
        lines.append(f"  before: {answer.before.status.value}, protected {_yes(answer.before.protected)}")
    rows = []
    for s in answer.events:
        e, step = s.record.event, s.step
        changed = "; ".join(f"{f} {_value(getattr(step.before, f), tz)}->{_value(getattr(step.after, f), tz)}"
                            for f in step.changed)
        rows.append([show(e.occurred_at, tz), e.actor.id, e.actor.kind, e.action, e.reason, changed or "-"])
    lines += table(("occurred_at", "actor", "kind", "action", "reason", "changed"), rows)
    lines.append(f"({len(answer.events)} events)")
    lines.append("intervals:" if answer.intervals else "intervals: none (active throughout)")
    lines += [f"  {interval(i, tz)}" for i in answer.intervals]
    return lines


def diff(answer: Diff, tz: tzinfo | None) -> list[str]:
    lines = [f"{answer.account} between {show(answer.t1, tz)} and {show(answer.t2, tz)}"]
    if not answer.fields:
        lines.append("  nothing changed")
    for c in answer.fields:
        note = "" if c.net_change else f" (changed {len(c.changes)} times, back as it was)"
        lines.append(f"  {c.field}: {_value(c.before, tz)} -> {_value(c.after, tz)}{note}")
        for s in c.changes:
            e = s.record.event
            lines.append(f"    {show(e.occurred_at, tz)}  {e.action} by {e.actor.id} ({e.actor.kind}"
                         f"{', ' + e.actor.org if e.actor.org else ''}): {_value(getattr(s.step.before, c.field), tz)}"
                         f" -> {_value(getattr(s.step.after, c.field), tz)}")
    return lines


def actor_day(answer: ActorDay, tz: tzinfo | None) -> list[str]:
    final, actions = answer.state, answer.actions
    first = actions[0].record.event.actor if actions else None
    kind = final.kind or (first.kind if first else "-")
    org = final.org or (first.org if first else None) or "-"
    lines = [f"{answer.actor} ({kind}, {org}) at {show(answer.at, tz)}: {final.employment(answer.at).value}, "
             f"roles {', '.join(final.roles) or '-'}"]
    if final.engagement_end:
        lines.append(f"  engagement ends {show(final.engagement_end, tz)} "
                     f"(offboarding recorded for {show(final.offboarded_at, tz)})")
    rows = []
    for a in actions:
        e, s = a.record.event, a.actor_state
        engaged = "yes" if s.engaged(e.occurred_at) else "NO (after engagement end)"
        rows.append([show(e.occurred_at, tz), e.action, e.target.id, e.reason, engaged, ",".join(s.roles) or "-"])
    lines += table(("occurred_at", "action", "target", "reason", "engaged", "roles"), rows)
    lines.append(f"({len(actions)} actions)")
    return lines


def snapshots_written(answer: SnapshotsWritten) -> list[str]:
    return [f"wrote {answer.total} snapshots for {len(answer.written)} accounts"]


# -- integrity ----------------------------------------------------------------------------------------


def verification(answer: Verification) -> list[str]:
    if answer.ok:
        lines = [f"ok: {answer.events} events in {answer.chains} chains verify; {answer.checkpoints} checkpoints hold"]
        if answer.tree is not None:
            lines.append(f"ok: the Merkle tree of {answer.tree['size']} leaves is the ledger's; "
                         f"{answer.tree['checkpoints']} tree checkpoints hold")
    else:
        bad = answer.first_bad or {}
        lines = [f"NOT OK: {bad.get('problem')}"]
        lines += [f"  {name:12} {bad[name]}" for name in
                  ("checkpoint", "record_kind", "chain", "topic", "partition", "seq", "index", "size",
                   "kafka_offset", "expected", "found") if name in bad]
        lines.append(f"({answer.events} events read, {answer.bad_rows} bad rows, "
                     f"{len(answer.checkpoint_problems)} checkpoint problems)")
    if not answer.signatures_checked:
        lines.append("note: AUDITLOG_SIGNING_KEY is not set, so checkpoint signatures were not checked")
    return lines


def checkpointed(answer: Checkpointed) -> list[str]:
    if not answer.signed:
        return ["the ledger is empty: nothing to sign"]
    lines = [f"checkpoint {answer.checkpoint_id}: {answer.events} events in {answer.chains} chains, "
             f"exported to {answer.exported_to or '(no export file)'}"]
    if answer.tree_size is not None:
        lines.append(f"tree checkpoint: {answer.tree_size} leaves, signed note exported beside it")
    return lines


def tree_built(answer: TreeBuilt) -> list[str]:
    return [f"tree: {answer.size} leaves ({answer.leaves} added), {answer.checkpoints} tree checkpoints signed"]


def inclusion_proof(answer: InclusionProof) -> list[str]:
    import base64

    lines = [f"event {answer.event_id} is leaf {answer.index} of the tree of {answer.tree_size}",
             f"entry   {answer.entry.hex()}", "proof   (leaf side first)"]
    lines += [f"  {base64.b64encode(h).decode()}" for h in answer.proof]
    lines += ["checkpoint", *[f"  {line}" for line in answer.checkpoint.rstrip("\n").split("\n")]]
    return lines


def consistency_proof(answer: ConsistencyProof) -> list[str]:
    import base64

    lines = [f"the tree of {answer.new_size} extends the tree of {answer.old_size}",
             f"old root {base64.b64encode(answer.old_root).decode()}",
             f"new root {base64.b64encode(answer.new_root).decode()}", "proof"]
    return lines + [f"  {base64.b64encode(h).decode()}" for h in answer.proof]


def rotated(answer: Rotated) -> list[str]:
    return [f"new signing key: {answer.new_vkey}", f"old key kept at {answer.retired}: {answer.old_vkey}",
            f"both trusted in {answer.trusted_keys}"]


def key_pair(answer: KeyPair) -> list[str]:
    return [f"wrote a development Ed25519 key to {answer.private_path} (public key {answer.public_path}), "
            f"key id {answer.key_id}"]


# -- the ledger, the contract, ingest -------------------------------------------------------------------


def migrated(answer: Migrated) -> list[str]:
    return [f"applied {name}" for name in answer.applied] or ["ledger schema is up to date"]


def schema_check(answer: SchemaCheck) -> list[str]:
    if answer.problems:
        return [p.text for p in answer.problems]
    return [f"compatible: {', '.join(answer.names)} all read each other's data"]


def delivered(answer: DeliveryResult) -> list[str]:
    return [f"emitted {answer.event_id} to {answer.topic}[{answer.partition}] at offset {answer.offset}"]


def bulk_refusals(answer: BulkEmitted, source: str) -> list[str]:
    """One line per refused line, ``file:line: reason`` (for standard error)."""
    return [f"{source}:{number}: {reason}" for number, reason in answer.refused]


def bulk_emitted(answer: BulkEmitted, source: str) -> list[str]:
    return [f"emitted {answer.sent} events from {source}; {len(answer.refused)} lines refused"]


def ingested(tally: Tally) -> list[str]:
    return [f"ingested {tally.appended} events, {tally.duplicates} duplicates skipped, "
            f"{tally.rejected} rejected, in {tally.batches} batches"]


def ingest_progress(tally: Tally) -> str:
    """The running count a terminal sees while ingest works (redrawn in place)."""
    return f"\ringested {tally.appended}  rejected {tally.rejected}  duplicates {tally.duplicates}"


def bundle_made(answer: Bundle, out: Path) -> list[str]:
    return [f"wrote {out}: {answer.events} events of {answer.account}, proven in the signed tree of "
            f"{answer.tree_size} leaves"]


def bundle_check(answer: BundleCheck, tz: tzinfo | None) -> list[str]:
    if not answer.ok:
        return ["NOT OK: " + (answer.problems[0] if answer.problems else "?"),
                *[f"  {p}" for p in answer.problems[1:]]]
    lines = [f"ok: {len(answer.events)} events of {answer.account} ({answer.in_range} in the bundle's range), every "
             f"one of them up to the seal, proven in the tree of {answer.tree_size} signed for {answer.origin}; "
             f"{answer.states_checked} state answers recomputed and equal"]
    rows = [(e.index, show(e.event.occurred_at, tz), e.event.action, e.event.actor.id, e.event.event_id)
            for e in answer.events]
    return lines + table(("leaf", "occurred_at", "action", "actor", "event_id"), rows)

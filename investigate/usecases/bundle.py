"""Evidence bundles: every event of one account, proven in a signed tree, checkable offline.

Making one (``make_bundle``) first appends a *seal* for the account to the ledger ("a bundle of
this account is made now"), lets the tree take it in, and proves the seal and every earlier leaf
of the account against one signed checkpoint. Each leaf record names the index of the account's
previous leaf (``records.leaf_record``), so from the seal a verifier walks back through exactly
the leaves the account has in the log up to the seal: a bundle missing one breaks the walk, and
a bundle holding a leaf that is not on it is refused. The seal is itself proven in the tree, and
the log's leaves are in feed order, so no leaf of the account older than the seal can be left
out (README, "Evidence").

Checking one (``check_bundle``) needs the bundle and the verifier key (pinned by the verifier,
never taken from the bundle): no database, no network, nothing of the bundle trusted but what
the signed checkpoint and the proofs bind. Events are read from their canonical records; the
state answers are recomputed by folding those events and compared.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditlog.consumers.tree_builder import TreeBuilder
from auditlog.domain.account import fold, state_to_plain
from auditlog.domain.errors import AuditError
from auditlog.domain.model import AdminAction
from auditlog.domain.plain import from_plain
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.refusals import Field, Refused
from auditlog.ledger import merkle, note, records, tree
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.keys import load_private

FORMAT = "auditlog.bundle.v1"
_WAIT_S = 30.0  # how long a bundle waits for a running tree builder to take its seal in


@dataclass(frozen=True)
class BundleQuery:
    account: str
    start: datetime | None = None  # the events of interest (every event is in the bundle regardless)
    end: datetime | None = None
    at: tuple[datetime, ...] = ()  # state answers to include


@dataclass(frozen=True)
class Bundle:
    document: dict[str, Any]
    account: str
    events: int
    tree_size: int


def make_bundle(ledger: Ledger, settings: Settings, query: BundleQuery) -> Bundle:
    for name, moment in (("from", query.start), ("to", query.end), *(("at", t) for t in query.at)):
        if moment is not None and moment.utcoffset() is None:
            raise Refused(Field(name), " needs an offset")
    with ledger.writing() as unit:
        seal = unit.seal(query.account, "bundle")
    leaf = _wait_for_leaf(ledger, settings, query.account, seal.seq)
    with ledger.reading() as unit:
        signed = unit.tree_checkpoint_covering(leaf.index, settings.log_origin)
    if signed is None and settings.signing_key is not None:
        signed = ledger.sign_tree(load_private(settings.signing_key), settings.log_origin, settings.checkpoint_export)
    if signed is None or signed.size <= leaf.index:
        raise AuditError("no signed tree checkpoint holds the bundle's seal yet: try again after the tree builder's "
                         "next checkpoint (or set AUDITLOG_SIGNING_KEY)")
    with ledger.reading() as unit:
        leaves = unit.subject_leaves(query.account, leaf.index + 1)
        gone = tree.missing_leaf(leaves)
        if gone is not None:
            raise AuditError(f"leaf {gone} of {query.account} has no row in the ledger any more, so no bundle could "
                             "prove the account whole: the ledger was changed (run `auditlog verify`)")
        node = unit.tile_cache().node_reader()
        proven = [_proven(x, signed.size, node) for x in leaves]
        states = [{"at": t.isoformat(), "state": state_to_plain(unit.state_at(query.account, t, None))}
                  for t in query.at]
    document = {
        "format": FORMAT, "origin": settings.log_origin, "account": query.account,
        "from": query.start.isoformat() if query.start else None, "to": query.end.isoformat() if query.end else None,
        "checkpoint": signed.note(), "seal": proven[0], "leaves": proven[1:], "states": states,
    }
    for item in proven:
        merkle.verify_inclusion(item["index"], signed.size,
                                merkle.leaf_hash(records.entry(base64.b64decode(item["record"]))),
                                [base64.b64decode(p) for p in item["proof"]], signed.root)
    return Bundle(document, query.account, sum(1 for x in leaves if x.kind == "event"), signed.size)


def _proven(leaf: Any, size: int, node: merkle.NodeReader) -> dict[str, Any]:
    return {"index": leaf.index, "record": base64.b64encode(leaf.leaf_record()).decode(),
            "proof": [base64.b64encode(h).decode() for h in merkle.inclusion_proof(leaf.index, size, node)]}


def _wait_for_leaf(ledger: Ledger, settings: Settings, account: str, seq: int) -> Any:
    """The seal's leaf: build the tree here if no builder runs, else wait for the running one."""
    with contextlib.suppress(AuditError):  # another builder holds the claim: it takes the seal in soon
        TreeBuilder(settings).run(until_idle=True)
    deadline = time.monotonic() + _WAIT_S
    while True:
        with ledger.reading() as unit:
            size, _ = unit.tree_size()
            leaves = unit.subject_leaves(account, size)
        found = next((x for x in leaves if x.seq == seq), None)
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AuditError(f"the tree builder has not taken in the bundle's seal after {_WAIT_S:.0f} s")
        time.sleep(0.2)


# -- checking, offline ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ProvenEvent:
    index: int
    event: AdminAction
    seq: int


@dataclass(frozen=True)
class BundleCheck:
    ok: bool
    account: str | None
    origin: str | None
    tree_size: int | None
    events: tuple[ProvenEvent, ...] = ()  # every event of the account up to the seal, oldest first
    in_range: int = 0  # of them, those between the bundle's from and to
    states_checked: int = 0
    problems: tuple[str, ...] = field(default_factory=tuple)


def check_bundle(text: str, vkey: str) -> BundleCheck:
    """Check a bundle with nothing but the verifier key: the checkpoint's signature for the key's
    name as origin, every inclusion proof, the walk of previous-leaf links from the seal, every
    event read from its record, every state answer recomputed."""
    problems: list[str] = []
    try:
        verifier = note.parse_vkey(vkey)
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not an {FORMAT} bundle")
        account = str(doc["account"])
        checkpoint = note.open_checkpoint(str(doc["checkpoint"]), verifier.name, [verifier])
    except (note.NoteError, ValueError, KeyError, TypeError) as exc:
        return BundleCheck(False, None, None, None, problems=(f"unusable bundle or key: {exc}",))
    if doc.get("origin") != verifier.name:
        problems.append(f"the bundle says origin {doc.get('origin')!r}; the key is for {verifier.name!r}")
    leaves: dict[int, tuple[str, str | None, int, bytes]] = {}
    items = [doc.get("seal"), *(doc.get("leaves") or [])]
    for n, item in enumerate(items):
        try:
            index, record = int(item["index"]), base64.b64decode(item["record"], validate=True)
            proof = [base64.b64decode(p, validate=True) for p in item["proof"]]
            merkle.verify_inclusion(index, checkpoint.size, merkle.leaf_hash(records.entry(record)), proof,
                                    checkpoint.root)
            leaves[index] = records.parse_leaf(record)
            if n == 0:
                seal_index = index
        except (merkle.ProofError, ValueError, KeyError, TypeError, binascii.Error) as exc:
            problems.append(f"leaf {n}: {exc}")
    if problems or not leaves:
        return BundleCheck(False, account, verifier.name, checkpoint.size, problems=tuple(problems or ["no seal"]))
    kind, subject, prev, seal_record = leaves[seal_index]
    if kind != "seal" or subject != account or not seal_record.startswith(records.SEAL_MAGIC):
        problems.append("the first leaf is not a seal of this account")
    walked = [seal_index]
    while prev != records.NO_PREV:
        if prev not in leaves:
            problems.append(f"leaf {prev} of the account (linked from leaf {walked[-1]}) is missing from the bundle")
            break
        if prev >= walked[-1]:
            problems.append(f"leaf {walked[-1]} links forward to {prev}")
            break
        walked.append(prev)
        _, subject, prev, _ = leaves[walked[-1]]
        if subject != account:
            problems.append(f"leaf {walked[-1]} belongs to {subject!r}, not {account!r}")
    extra = sorted(set(leaves) - set(walked))
    if extra:
        problems.append(f"leaves {extra} are not on the account's chain of leaves")
    events = []
    for index in reversed(walked[1:]):
        kind, subject, _, record = leaves[index]
        if kind != "event":
            continue
        try:
            row = records.parse_event_record(record)
            event = from_plain(json.loads(str(row["payload"])))
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"leaf {index}: unreadable event record: {exc}")
            continue
        if row["target_id"] != account or event.target.id != account:
            problems.append(f"leaf {index}: the event's target is not {account!r}")
        events.append(ProvenEvent(index, event, int(row["seq"])))  # type: ignore[call-overload]
    start, end = (datetime.fromisoformat(doc[k]) if doc.get(k) else None for k in ("from", "to"))
    in_range = sum(1 for e in events if (start is None or e.event.occurred_at >= start)
                   and (end is None or e.event.occurred_at <= end))
    checked = 0
    for answer in doc.get("states") or []:
        at = datetime.fromisoformat(answer["at"])
        ordered = sorted((e for e in events if e.event.occurred_at <= at), key=lambda e: (e.event.occurred_at, e.seq))
        if state_to_plain(fold(account, (e.event for e in ordered))) != answer["state"]:
            problems.append(f"the state at {answer['at']} is not what the proven events say")
        checked += 1
    return BundleCheck(not problems, account, verifier.name, checkpoint.size, tuple(events), in_range, checked,
                       tuple(problems))

"""``auditlog replay``: send ledger events to a topic as the ledger stored them."""

from __future__ import annotations

import argparse
import math
import signal
import threading
from collections.abc import Callable
from datetime import datetime

from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, open_ledger, show, whole_number


def _above_zero(what: str) -> Callable[[str], float]:
    """An argparse type: a finite number of ``what`` above 0 (float() also takes 'nan' and 'inf')."""

    def parse(text: str) -> float:
        try:
            number = float(text)
        except ValueError:
            number = 0.0
        if not (0 < number < math.inf):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {what} above 0")
        return number

    return parse


_rate, _seconds = _above_zero("events per second"), _above_zero("seconds")


def register(sub: Subparsers) -> None:
    replay = command(sub, "replay", "send ledger events to a topic, bytes as they arrived",
                     "Send the selected events, in seq order, with their original bytes, key and headers "
                     "(nothing re-encoded) plus provenance headers replay-of (topic/partition/offset) and "
                     "replay-seq. Selectors combine (all must match). A missing target topic is created with "
                     "the ingest topic's partition count; the ingest topic itself is refused. Interrupted "
                     "(Ctrl-C, broker gone), it exits 1 naming the last seq sent: --from-seq that + 1 resumes "
                     "with no gap.",
                     ("auditlog replay --to-topic audit-copy --account acct-hos-0001 --dry-run",
                      "auditlog replay --to-topic audit-copy --from 2017-11-02T18:00-04:00 --rate 1000",
                      "auditlog replay --to-topic audit-copy --from-seq 120001 --json",
                      "auditlog replay --restore --dry-run    # after a lost broker: what would come back"))
    replay.add_argument("--to-topic", metavar="T", help="the topic to send to (required unless --restore)")
    replay.add_argument("--restore", action="store_true",
                        help="re-seed a fresh, empty ingest topic from the ledger with every partition's offsets "
                        "identical (events and rejected messages, as they arrived); no selectors")
    replay.add_argument("--from-seq", type=whole_number, metavar="SEQ", help="ledger seq at or after")
    replay.add_argument("--to-seq", type=whole_number, metavar="SEQ", help="ledger seq at or before")
    replay.add_argument("--from", dest="start", metavar="TIME", help="event time at or after")
    replay.add_argument("--to", dest="end", metavar="TIME", help="event time at or before")
    replay.add_argument("--recorded-from", metavar="TIME", help="ledger time at or after")
    replay.add_argument("--recorded-to", metavar="TIME", help="ledger time at or before")
    replay.add_argument("--account", help="events on this account")
    replay.add_argument("--actor", help="events by this actor")
    replay.add_argument("--partition", type=whole_number, help="events that arrived on this partition")
    replay.add_argument("--rate", type=_rate, metavar="N", help="at most N events per second")
    replay.add_argument("--timeout", type=_seconds, default=30.0, metavar="S",
                        help="how long a message may wait for the broker before the replay gives up, naming how "
                        "far it got (default 30)")
    replay.add_argument("--dry-run", action="store_true", help="count and show the first rows; send nothing")
    replay.add_argument("--json", action="store_true", help="a machine-readable summary")
    replay.add_argument("--tz", help="zone for times without an offset")
    replay.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.domain.errors import BadInput
    from auditlog.investigate.progress import Progress
    from auditlog.investigate.render import oncall
    from auditlog.investigate.times import parse_time, zone
    from auditlog.ledger.messages import Selector
    from auditlog.producers.replay import ProducerOptions, replay

    if args.restore:
        return _restore(args, settings)
    if not args.to_topic:
        raise BadInput("--to-topic: say which topic to send to (or --restore to re-seed the ingest topic)")
    tz = zone(args.tz)

    def when(text: str | None, option: str) -> datetime | None:
        return parse_time(text, tz, option) if text else None

    selector = Selector(args.from_seq, args.to_seq, when(args.start, "--from"), when(args.end, "--to"),
                        when(args.recorded_from, "--recorded-from"), when(args.recorded_to, "--recorded-to"),
                        args.account, args.actor, args.partition)
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())  # finish cleanly, naming the last seq sent
    try:
        with open_ledger(settings) as ledger, Progress(f"replaying to {args.to_topic}", None) as bar:
            summary = replay(ledger, settings.require_broker(), settings.topic, args.to_topic, selector,
                             rate=args.rate, dry_run=args.dry_run, default_partitions=settings.partitions,
                             options=ProducerOptions(timeout_s=args.timeout), progress=bar.advance, stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    return show(args, oncall.replay_json, oncall.replay_text, summary)


_SELECTORS = ("to_topic", "from_seq", "to_seq", "start", "end", "recorded_from", "recorded_to", "account", "actor",
              "partition", "rate")


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.domain.errors import BadInput
    from auditlog.investigate.progress import Progress
    from auditlog.investigate.render import oncall
    from auditlog.producers.replay import ProducerOptions
    from auditlog.producers.restore import restore

    given = [name for name in _SELECTORS if getattr(args, name) is not None]
    if given:
        flags = ", ".join("--" + {"start": "from", "end": "to"}.get(n, n).replace("_", "-") for n in given)
        raise BadInput(f"--restore re-seeds the whole ingest topic ({settings.topic}); it takes no {flags}")
    stop = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        with open_ledger(settings) as ledger, Progress(f"restoring {settings.topic}", None) as bar:
            answer = restore(ledger, settings.require_broker(), settings.topic, settings.group,
                             default_partitions=settings.partitions, dry_run=args.dry_run, progress=bar.advance,
                             options=ProducerOptions(timeout_s=args.timeout),
                             stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    return show(args, oncall.restored_json, oncall.restored_text, answer)

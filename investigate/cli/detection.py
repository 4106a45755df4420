"""``auditlog detect`` and ``auditlog alerts``: the detector, what it raised, acknowledgements.
(``auditlog rules`` shows the rules themselves.)"""

from __future__ import annotations

import argparse
import getpass
import os

from auditlog.domain.errors import BadInput
from auditlog.domain.settings import Settings
from auditlog.investigate.cli._options import Subparsers, command, display_options, open_ledger, show
from auditlog.investigate.cli._reads import case_option, recorder
from auditlog.investigate.cli._service import service_options, serving
from auditlog.investigate.times import parse_time, zone


def register(sub: Subparsers) -> None:
    detect = command(sub, "detect", "judge every event by the rules and raise alerts (long-running)",
                     "Reads the ledger feed and judges each event by the rules (`auditlog rules list`): "
                     "the target's state just before it, the actor's state and history at that moment. "
                     "Alerts are appended to the ledger with the detector's feed position in one "
                     "transaction: each (rule, event) alerts once, and a detector killed anywhere "
                     "resumes without losing or repeating one. Each new alert is delivered to the "
                     "webhook (AUDITLOG_ALERT_WEBHOOK, signed with AUDITLOG_ALERT_WEBHOOK_SECRET) and the "
                     "topic (AUDITLOG_ALERT_TOPIC) from an outbox, so a down sink loses nothing.\n\n"
                     "--backtest judges the events that occurred between --from and --to (every other "
                     "event folded for context) and prints what would have been raised; it stores and "
                     "sends nothing.",
                     ("auditlog detect --metrics-port 9102            # keep judging",
                      "auditlog detect --until-idle                   # judge what is there, then exit",
                      "auditlog detect --backtest --from 2017-11-02T00:00-04:00 --to 2017-11-03T00:00-04:00"))
    detect.add_argument("--until-idle", action="store_true", help="exit once the feed's head is judged")
    detect.add_argument("--backtest", action="store_true", help="what the rules would have raised over "
                        "[--from, --to]; nothing is stored or sent")
    detect.add_argument("--batch", type=int, default=5000, metavar="N", help="feed rows a transaction (default 5000)")
    detect.add_argument("--from", dest="start", metavar="TIME", help="backtest: events occurred at or after")
    detect.add_argument("--to", dest="end", metavar="TIME", help="backtest: events occurred at or before")
    display_options(detect)
    service_options(detect)
    detect.set_defaults(handler=run_detect)

    alerts = command(sub, "alerts", "the alerts the detector raised, and acknowledging one",
                     "Alerts oldest event first, with how long after the ledger recorded the event each "
                     "was raised, their acknowledgements, and what the sinks have yet to deliver. "
                     "`alerts ack ID --note TEXT` appends an acknowledgement (an alert is never edited).",
                     ("auditlog alerts --target acct-hos-0001",
                      "auditlog alerts --severity high --from 2017-11-02T00:00-04:00 --json",
                      "auditlog alerts ack 3 --note 'confirmed: restored, vendor notified'"))
    alerts.add_argument("--target", metavar="ID", help="alerts about this account (or actor)")
    alerts.add_argument("--actor", metavar="ID", help="alerts about this actor's actions")
    alerts.add_argument("--rule", metavar="RULE", help="one rule's alerts (`auditlog rules list`)")
    alerts.add_argument("--severity", metavar="S", help="this severity and above: low, medium, high, critical")
    alerts.add_argument("--from", dest="start", metavar="TIME", help="events occurred at or after")
    alerts.add_argument("--to", dest="end", metavar="TIME", help="events occurred at or before")
    alerts.add_argument("--limit", type=int, default=1000, metavar="N", help="at most N alerts (default 1000)")
    case_option(alerts)
    display_options(alerts)
    alerts.set_defaults(handler=run_alerts)
    actions = alerts.add_subparsers(dest="action", required=False, metavar="ack")
    ack = actions.add_parser("ack", help="acknowledge an alert (appended, never an edit)",
                             description="Append an acknowledgement of alert ID, with a note saying why.")
    ack.add_argument("alert_id", type=int, metavar="ID", help="the alert's id (`auditlog alerts`)")
    ack.add_argument("--note", required=True, help="why: kept with the alert for good")
    ack.add_argument("--by", help="who acknowledges (default: the login name)")
    ack.add_argument("--json", action="store_true", help="machine-readable output")
    ack.set_defaults(handler=run_ack)


def run_detect(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import detection

    tz = zone(args.tz)
    if args.backtest:
        if not (args.start and args.end):
            raise BadInput("--backtest needs --from and --to")
        from auditlog.investigate.progress import Progress
        from auditlog.investigate.usecases.alerts import backtest

        start, end = parse_time(args.start, tz, "--from"), parse_time(args.end, tz, "--to")
        with Progress("feed  ", None) as bar:
            result = backtest(settings, start, end, progress=bar.advance)
        return show(args, detection.backtest_json, detection.backtest_text, result, tz)
    if args.start or args.end:
        raise BadInput("--from and --to go with --backtest")
    from auditlog.consumers.detector import detect

    if args.batch < 1:
        raise BadInput(f"--batch: must be at least 1, got {args.batch}")
    tally = detect(settings, until_idle=args.until_idle, batch=args.batch, serving=serving(args, settings))
    return show(args, detection.detected_json, detection.detected_text, tally)


def run_alerts(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import detection
    from auditlog.investigate.usecases.alerts import AlertsQuery, list_alerts

    tz = zone(args.tz)
    query = AlertsQuery(args.target, args.actor, args.rule, args.severity,
                        parse_time(args.start, tz, "--from") if args.start else None,
                        parse_time(args.end, tz, "--to") if args.end else None, args.limit)
    with open_ledger(settings) as ledger:
        on_record = recorder(ledger, settings, args, "alerts", target=args.target, actor=args.actor, rule=args.rule,
                             severity=args.severity, start=args.start, end=args.end, limit=args.limit)
        page = list_alerts(ledger, query, on_record)
    return show(args, detection.alerts_json, detection.alerts_text, page, tz)


def run_ack(args: argparse.Namespace, settings: Settings) -> int:
    from auditlog.investigate.render import detection
    from auditlog.investigate.usecases.alerts import acknowledge

    by = args.by or os.environ.get("AUDITLOG_USER") or getpass.getuser()
    with open_ledger(settings) as ledger:
        ack = acknowledge(ledger, args.alert_id, args.note, by)
    return show(args, detection.ack_json, detection.ack_text, ack, args.alert_id)

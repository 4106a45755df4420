"""The investigator commands' reads go on the record too (as the API's do), before they are answered.

The case comes from ``--case`` or ``AUDITLOG_CASE``; with ``AUDITLOG_REQUIRE_CASE=1`` a command
without one reads nothing (exit 2). The record names no token (the CLI has none), the role
``cli`` and, as the client, the OS user who ran the command.
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditlog.domain.errors import BadInput
from auditlog.domain.settings import Settings

if TYPE_CHECKING:
    from auditlog.ledger.gateway import Ledger


def case_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--case", metavar="ID", help="the audit case this read is for (default: AUDITLOG_CASE); "
                        "every read is recorded in the ledger's reads log")


def known_at_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--known-at", metavar="TIME", help="only what the ledger had recorded by then")


def case_of(args: argparse.Namespace, settings: Settings) -> str | None:
    from auditlog.domain.access import parse_case

    given = args.case if args.case is not None else settings.case
    try:
        case = parse_case(given)
    except BadInput as exc:
        raise BadInput("--" + exc.reason) from None
    if case is None and settings.require_case:
        raise BadInput("--case: this ledger requires a case for every read (AUDITLOG_REQUIRE_CASE=1); "
                       "pass --case ID or set AUDITLOG_CASE")
    return case


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        import os

        return f"uid:{os.getuid()}"


def recorder(ledger: Ledger, settings: Settings, args: argparse.Namespace, command: str,
             **params: Any) -> Callable[[], None]:
    """What puts this command's read on the record, once the use case found the query well-formed;
    it raises (and nothing is read) if the read cannot be recorded."""
    from auditlog.investigate.usecases.access import canonical, record_read
    from auditlog.ledger.access import Read

    case = case_of(args, settings)

    def record() -> None:
        record_read(ledger, Read(None, "cli", case, f"auditlog {command}", canonical(params), _user()))

    return record

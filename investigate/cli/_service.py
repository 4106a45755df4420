"""Options every long-running command shares: ``--metrics-port``, ``--metrics-host``,
``--log-format``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from auditlog.domain.settings import Settings

if TYPE_CHECKING:
    from auditlog.consumers.service import Serving


def service_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--metrics-port", type=int, metavar="PORT",
                        help="serve Prometheus /metrics, /healthz and /readyz on this port "
                        "(default AUDITLOG_METRICS_PORT; unset: no metrics server)")
    parser.add_argument("--metrics-host", metavar="ADDR",
                        help="address the metrics server binds (default AUDITLOG_METRICS_HOST or 127.0.0.1)")
    parser.add_argument("--log-format", choices=("text", "json"),
                        help="logs on stderr as plain lines or one JSON object per line")


def serving(args: argparse.Namespace, settings: Settings) -> Serving | None:
    """Configure logging as asked, and where to serve metrics (None: nowhere)."""
    from auditlog.consumers import logs
    from auditlog.consumers.service import Serving

    logs.configure(args.log_format)
    port = args.metrics_port if args.metrics_port is not None else settings.metrics_port
    if port is None:
        return None
    if not 0 <= port <= 65535:
        from auditlog.domain.errors import BadInput

        raise BadInput(f"--metrics-port: {port} is not a port number (0-65535)")
    return Serving(port, args.metrics_host or settings.metrics_host)

"""``--log-format json|text`` for the long-running commands: stdlib logging to stderr, one JSON
object per line with ``json`` (for a log shipper), a plain line with ``text``.

A JSON line has ``time`` (ISO-8601 UTC), ``level``, ``logger``, ``message``, any ``extra=``
fields the call gave, and ``exception`` (the traceback) when there is one.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

FORMATS = ("text", "json")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def configure(fmt: str | None, *, level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Send auditlog's logs to ``stream`` (stderr) in ``fmt``; None leaves logging as it is."""
    if fmt is None:
        return
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("kafka").setLevel(logging.WARNING)  # its INFO is every connection and rebalance step

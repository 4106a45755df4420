"""The real app under uvicorn, in a thread, on a free port: what the API tests talk HTTP to."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from auditlog.domain.access import Role, parse_scopes
from auditlog.domain.settings import Settings
from auditlog.investigate.api.app import create_app
from auditlog.investigate.usecases.access import create_token
from auditlog.ledger.gateway import Ledger


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """``create_app(settings)`` served on 127.0.0.1; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="api-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Tokens:
    investigator: str
    oncall: str
    auditor: str
    admin: str


def make_token(ledger: Ledger, role: str, *scopes: str, seconds: int = 3600) -> str:
    return create_token(ledger, Role(role), parse_scopes(list(scopes)), seconds, "tests").token


def headers(token: str | None, case: str | None = None) -> dict[str, str]:
    out = {} if token is None else {"Authorization": f"Bearer {token}"}
    if case is not None:
        out["X-Audit-Case"] = case
    return out

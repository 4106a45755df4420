"""Every read of ledger contents is on the record before it is answered.

``record`` appends the read (token, role, case, route, parameters, client address) to the ledger
and waits for its commit (``ReadRecorder``: the reads of requests that arrive together share
one); when that fails the request is answered 503 with the reason, and nothing read (401 if the
token was revoked or expired since it was looked up). ``record_async`` is the same for a route
that runs on the event loop: it awaits the commit without holding a thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, Request

from auditlog.domain.errors import AuditError
from auditlog.investigate.api.auth import unauthorized
from auditlog.investigate.usecases.access import Principal, Unauthenticated, canonical
from auditlog.ledger.access import Read


def recorder(request: Request, who: Principal, case: str | None, params: dict[str, Any]) -> Callable[[], None]:
    """``record`` for a use case to call once it found the query well-formed."""
    return lambda: record(request, who, case, params)


def async_recorder(request: Request, who: Principal, case: str | None,
                   params: dict[str, Any]) -> Callable[[], Awaitable[None]]:
    """``record_async`` for an async use case to await once it found the query well-formed."""
    return lambda: record_async(request, who, case, params)


def record(request: Request, who: Principal, case: str | None, params: dict[str, Any]) -> None:
    with _refusals(request, who):
        request.app.state.recorder.record(_read(request, who, case, params))


async def record_async(request: Request, who: Principal, case: str | None, params: dict[str, Any]) -> None:
    with _refusals(request, who):
        await request.app.state.recorder.record_async(_read(request, who, case, params))


def _read(request: Request, who: Principal, case: str | None, params: dict[str, Any]) -> Read:
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    client = request.client.host if request.client else "unknown"
    return Read(who.token_id, who.role.value, case, f"{request.method} {path}", canonical(params), client)


@contextmanager
def _refusals(request: Request, who: Principal) -> Iterator[None]:
    try:
        yield
    except Unauthenticated as exc:  # revoked or expired since it was looked up
        request.app.state.known_tokens.forget(who.token_id)
        raise unauthorized(exc.reason) from None
    except AuditError as exc:
        raise HTTPException(503, f"the read could not be put on the record, so it is not answered: {exc.reason}",
                            headers={"Retry-After": "5"}) from exc

"""Who is asking: the bearer token, its role, and the audit case of an investigator's request.

Missing, unknown, expired or revoked tokens are 401 with ``WWW-Authenticate: Bearer``; a role
the route does not admit is 403; an investigator's request without ``X-Audit-Case`` is 428 and
answers nothing. The token's text is never logged nor echoed: reasons name its id at most.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from auditlog.domain.access import Role
from auditlog.investigate.usecases.access import KnownTokens, Principal, Unauthenticated, authenticate

bearer = HTTPBearer(auto_error=False, description="a token made by `auditlog tokens create`")
CASE_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,62}[\x21-\x7e])?$"


def principal(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The token's principal, as the ledger says now."""
    try:
        return authenticate(request.app.state.ledger, _token(request, credentials))
    except Unauthenticated as exc:
        raise unauthorized(exc.reason) from None


async def recorded_principal(request: Request,
                             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The token's principal for a route whose every answer goes on the record first: one found
    valid lately is taken from memory (``KnownTokens``; recording the read checks the token again),
    and the ledger is asked only for the others."""
    token = _token(request, credentials)
    tokens: KnownTokens = request.app.state.known_tokens
    known = tokens.known(token)
    if known is not None:
        return known
    try:
        return await run_in_threadpool(tokens.authenticate, request.app.state.ledger, token)
    except Unauthenticated as exc:
        raise unauthorized(exc.reason) from None


def _token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    token = credentials.credentials if credentials is not None else None
    if token is None and request.headers.get("authorization"):
        raise unauthorized("the Authorization header is not 'Bearer TOKEN'")
    return token


def unauthorized(reason: str) -> HTTPException:
    return HTTPException(401, reason, headers={"WWW-Authenticate": "Bearer"})


def allow(*roles: Role, on_record: bool = False) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting a valid token of one of ``roles``, else 403. ``on_record``: every
    route using it records its read before answering (``recorded_principal``)."""
    names = " or ".join(r.value for r in roles)
    source = recorded_principal if on_record else principal

    async def check(who: Principal = Depends(source)) -> Principal:  # noqa: B008 (annotations are strings here)
        if who.role not in roles:
            raise HTTPException(403, f"this route is for {names} tokens; token {who.token_id} is {who.role.value}")
        return who

    return check


Investigator = Annotated[Principal, Depends(allow(Role.INVESTIGATOR, on_record=True))]
Auditor = Annotated[Principal, Depends(allow(Role.AUDITOR))]
Watcher = Annotated[Principal, Depends(allow(Role.ONCALL, Role.AUDITOR))]  # verify results
Oncall = Annotated[Principal, Depends(allow(Role.ONCALL))]
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
AnyToken = Annotated[Principal, Depends(principal)]

CaseHeader = Annotated[str | None, Header(alias="X-Audit-Case", pattern=CASE_PATTERN, max_length=64,
                                          description="the audit case this read is for (required of investigators)")]


def require_case(case: str | None) -> str:
    if case is None:
        raise HTTPException(428, "an investigator's read needs the header X-Audit-Case: CASE-ID "
                                 "(1-64 printable ASCII characters); nothing was read")
    return case

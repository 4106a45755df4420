"""Who is asking: the bearer token, its role, and the audit case of an investigator's request.

Missing, unknown, expired or revoked tokens are 401 with ``WWW-Authenticate: Bearer``; a role
the route does not admit is 403; an investigator's request without ``X-Audit-Case`` is 428 and
answers nothing. The token's text is never logged nor echoed: reasons name its id at most.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from auditlog.domain.access import Role
from auditlog.investigate.usecases.access import Principal, Unauthenticated, authenticate

bearer = HTTPBearer(auto_error=False, description="a token made by `auditlog tokens create`")
CASE_PATTERN = r"^[\x21-\x7e]([\x20-\x7e]{0,62}[\x21-\x7e])?$"


def principal(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    token = credentials.credentials if credentials is not None else None
    if token is None and request.headers.get("authorization"):
        raise _unauthorized("the Authorization header is not 'Bearer TOKEN'")
    try:
        return authenticate(request.app.state.ledger, token)
    except Unauthenticated as exc:
        raise _unauthorized(exc.reason) from None


def _unauthorized(reason: str) -> HTTPException:
    return HTTPException(401, reason, headers={"WWW-Authenticate": "Bearer"})


def allow(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting a valid token of one of ``roles``, else 403."""
    names = " or ".join(r.value for r in roles)

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            raise HTTPException(403, f"this route is for {names} tokens; token {who.token_id} is {who.role.value}")
        return who

    return check


Investigator = Annotated[Principal, Depends(allow(Role.INVESTIGATOR))]
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

"""``/api/v1``: who am I, the reads log (auditors), lag and verify results (on call, auditors),
and token management (admins). Bodies are the CLI's ``--json`` shapes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from auditlog.domain.access import ROLES, Role, parse_duration, parse_scopes, valid_token_id
from auditlog.domain.errors import BadInput
from auditlog.investigate.api import inputs, reads
from auditlog.investigate.api.auth import Admin, AnyToken, Auditor, CaseHeader, Oncall, Watcher
from auditlog.investigate.api.inputs import FromParam, TextParam, TimeParam, ZoneParam
from auditlog.investigate.render import json, oncall
from auditlog.investigate.usecases import access

router = APIRouter(prefix="/api/v1", tags=["access"], dependencies=[Depends(inputs.known_parameters_only)])


@router.get("/whoami", summary="the token's id, role, scopes and expiry")
def whoami(who: AnyToken, tz: ZoneParam = None) -> dict[str, Any]:
    return json.whoami(who, inputs.tz_of(tz))


@router.get("/reads", summary="the reads log: every read of ledger contents, newest first (auditors)")
def reads_log(request: Request, who: Auditor, case: CaseHeader = None, case_id: inputs.CaseParam = None,
              token: TextParam = None, start: FromParam = None, to: TimeParam = None,
              before: Annotated[int | None, Query(ge=1, le=2**62, description="the previous page's next")] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100, tz: ZoneParam = None) -> dict[str, Any]:
    zone = inputs.tz_of(tz)
    query = access.ReadsQuery(case_id, token, inputs.time_of(start, zone, "from"), inputs.time_of(to, zone, "to"),
                              limit, before)
    reads.record(request, who, case, {k: v for k, v in {"case": case_id, "token": token, "from": start, "to": to,
                                                        "before": before, "limit": limit}.items() if v is not None})
    return json.reads_page(access.list_reads(request.app.state.ledger, query), zone)


@router.get("/lag", summary="how far behind the ledger writer and the feed consumers are (on call)")
def lag(request: Request, who: Oncall, tz: ZoneParam = None) -> dict[str, Any]:
    from auditlog.investigate.usecases.lag import lag_now

    zone = inputs.tz_of(tz)
    return oncall.lag_json(lag_now(request.app.state.settings), zone)


@router.get("/verify", summary="recompute every chain, the tree and the checkpoints (on call, auditors)")
def verify(request: Request, who: Watcher) -> dict[str, Any]:
    from auditlog.investigate.usecases.integrity import verify as run_verify

    return json.verification(run_verify(request.app.state.ledger, request.app.state.settings))


class TokenRequest(BaseModel):
    role: Literal[ROLES]  # type: ignore[valid-type]
    scopes: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(default_factory=list, max_length=50)
    expires: Annotated[str, Field(min_length=1, max_length=16)] = "30d"


@router.get("/tokens", summary="every token (never its text or hash) (admins)")
def tokens(request: Request, who: Admin, tz: ZoneParam = None) -> dict[str, Any]:
    return json.token_list(access.list_tokens(request.app.state.ledger), inputs.tz_of(tz))


@router.post("/tokens", status_code=201, summary="make a token; its text is in this answer only (admins)")
def create_token(request: Request, who: Admin, body: TokenRequest) -> dict[str, Any]:
    made = access.create_token(request.app.state.ledger, Role(body.role), parse_scopes(body.scopes),
                               parse_duration(body.expires), f"token:{who.token_id}")
    return json.new_token(made, None)


@router.delete("/tokens/{token_id}", summary="revoke a token (admins)")
def revoke(request: Request, who: Admin, token_id: Annotated[str, inputs.Path(min_length=1, max_length=80)]
           ) -> dict[str, Any]:
    if not valid_token_id(token_id):
        raise BadInput(f"token_id: {token_id[:80]!r} is not a token id (tok_...)")
    now = access.revoke_token(request.app.state.ledger, token_id, f"token:{who.token_id}")
    return {"id": token_id, "revoked": True, "already": not now}

"""``/api/v1``: the investigator's questions, the CLI's answers (same use cases, same JSON renderers).

Each route needs an investigator token and ``X-Audit-Case``; it reads its parameters, puts the
read on the record (``reads.record``), then asks the use case with the token's scope (applied in
the ledger's query, never after paging) and renders the answer as ``auditlog ... --json`` does.
State and who, the questions asked most, run on the event loop (``reads.record_async``, the
app's ``AsyncReader``: one statement each, no thread); the others take a thread of the pool.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from auditlog.domain.catalog import ActorKind
from auditlog.investigate.api import inputs, reads
from auditlog.investigate.api.auth import CaseHeader, Investigator, require_case
from auditlog.investigate.api.inputs import FromParam, Id, RequiredTime, TextParam, TimeParam, ZoneParam
from auditlog.investigate.render import json
from auditlog.investigate.usecases import history

router = APIRouter(prefix="/api/v1", tags=["investigate"], dependencies=[Depends(inputs.known_parameters_only)])
Kind = Literal[tuple(k.value for k in ActorKind)]  # type: ignore[valid-type]
Limit = Annotated[int, Query(ge=1, le=1000, description="events per page")]
Cursor = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                                     description="the previous page's next")]


def _given(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


@router.get("/accounts/{id}/state", summary="an account's state at a time (as known at known_at)")
async def state(request: Request, id: Id, who: Investigator, case: CaseHeader = None, at: TimeParam = None,
                known_at: TimeParam = None, tz: ZoneParam = None) -> dict[str, Any]:
    case = require_case(case)
    zone = inputs.tz_of(tz)
    moment = inputs.time_of(at, zone, "at") or datetime.now(UTC)
    query = history.StateQuery(id, moment, inputs.time_of(known_at, zone, "known_at"), who.scope)
    on_record = reads.async_recorder(request, who, case, _given(id=id, at=at, known_at=known_at, tz=tz))
    return json.state_answer(await history.state_at_async(request.app.state.reader, query, on_record), zone)


@router.get("/accounts/{id}/timeline", summary="an account's events and status intervals in a window")
def timeline(request: Request, id: Id, who: Investigator, case: CaseHeader = None, start: FromParam = None,
             to: TimeParam = None, known_at: TimeParam = None, tz: ZoneParam = None) -> dict[str, Any]:
    case = require_case(case)
    zone = inputs.tz_of(tz)
    query = history.TimelineQuery(id, inputs.time_of(start, zone, "from"), inputs.time_of(to, zone, "to"),
                                  inputs.time_of(known_at, zone, "known_at"), who.scope)
    on_record = reads.recorder(request, who, case, _given(id=id, **{"from": start}, to=to, known_at=known_at, tz=tz))
    return json.timeline(history.timeline(request.app.state.ledger, query, on_record), zone)


@router.get("/accounts/{id}/diff", summary="what changed on an account between t1 and t2")
def diff(request: Request, id: Id, who: Investigator, t1: RequiredTime, t2: RequiredTime,
         case: CaseHeader = None, known_at: TimeParam = None, tz: ZoneParam = None) -> dict[str, Any]:
    case = require_case(case)
    zone = inputs.tz_of(tz)
    first, second = inputs.time_of(t1, zone, "t1"), inputs.time_of(t2, zone, "t2")
    assert first is not None and second is not None
    query = history.DiffQuery(id, first, second, inputs.time_of(known_at, zone, "known_at"), who.scope)
    on_record = reads.recorder(request, who, case, _given(id=id, t1=t1, t2=t2, known_at=known_at, tz=tz))
    return json.diff(history.diff(request.app.state.ledger, query, on_record), zone)


@router.get("/events", summary="who did what, when: events matching every filter, a page at a time")
async def events(request: Request, who: Investigator, case: CaseHeader = None, actor: TextParam = None,
                 actor_kind: Kind | None = None, org: TextParam = None, target: TextParam = None,
                 action: TextParam = None, start: FromParam = None, to: TimeParam = None, cursor: Cursor = None,
                 limit: Limit = 100, known_at: TimeParam = None, tz: ZoneParam = None) -> dict[str, Any]:
    case = require_case(case)
    zone = inputs.tz_of(tz)
    query = history.WhoQuery(actor=actor, actor_kind=actor_kind, org=org, target=target, action=action,
                             start=inputs.time_of(start, zone, "from"), end=inputs.time_of(to, zone, "to"),
                             limit=limit, after=cursor, known_at=inputs.time_of(known_at, zone, "known_at"),
                             scope=who.scope)
    on_record = reads.async_recorder(request, who, case, _given(actor=actor, actor_kind=actor_kind, org=org,
                                                                target=target, action=action, **{"from": start}, to=to,
                                                                cursor=cursor, limit=limit, known_at=known_at, tz=tz))
    return json.who_page(await history.who_async(request.app.state.reader, query, on_record), zone)


@router.get("/actors/{id}", summary="everything an actor did, with their state at each moment")
def actor(request: Request, id: Id, who: Investigator, case: CaseHeader = None,
          on: Annotated[str | None, Query(min_length=1, max_length=32, pattern=r"^[^\x00-\x1f\x7f]+$",
                                          description="one day, YYYY-MM-DD, in the tz zone")] = None,
          start: FromParam = None, to: TimeParam = None, known_at: TimeParam = None,
          tz: ZoneParam = None) -> dict[str, Any]:
    case = require_case(case)
    zone = inputs.tz_of(tz)
    query = history.ActorQuery(id, inputs.day_of(on, "on"), zone, inputs.time_of(start, zone, "from"),
                               inputs.time_of(to, zone, "to"), inputs.time_of(known_at, zone, "known_at"), who.scope)
    on_record = reads.recorder(request, who, case, _given(id=id, on=on, **{"from": start}, to=to, known_at=known_at,
                                                          tz=tz))
    return json.actor_day(history.actor_day(request.app.state.ledger, query, on_record), zone)

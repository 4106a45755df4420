"""``/api/v1/alerts``: what the detector raised, as ``auditlog alerts --json`` shows it.

An investigator's read like the history routes: a case, the read on the record before the answer,
the token's scope applied in the ledger's query (an alert is in scope when its event is).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from auditlog.investigate.api import inputs, reads
from auditlog.investigate.api.auth import CaseHeader, Investigator, require_case
from auditlog.investigate.api.inputs import FromParam, TextParam, TimeParam, ZoneParam
from auditlog.investigate.render import detection
from auditlog.investigate.usecases.alerts import SEVERITIES, AlertsQuery, list_alerts

router = APIRouter(prefix="/api/v1", tags=["detect"], dependencies=[Depends(inputs.known_parameters_only)])
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
Limit = Annotated[int, Query(ge=1, le=1000, description="alerts at most")]


@router.get("/alerts", summary="the detector's alerts, oldest event first (severity: this one and above)")
def alerts(request: Request, who: Investigator, case: CaseHeader = None, target: TextParam = None,
           actor: TextParam = None, rule: TextParam = None, severity: Severity | None = None,
           start: FromParam = None, to: TimeParam = None, limit: Limit = 100,
           tz: ZoneParam = None) -> dict[str, Any]:
    case = require_case(case)
    zone = inputs.tz_of(tz)
    query = AlertsQuery(target, actor, rule, severity, inputs.time_of(start, zone, "from"),
                        inputs.time_of(to, zone, "to"), limit, who.scope)
    given = {k: v for k, v in {"target": target, "actor": actor, "rule": rule, "severity": severity,
                               "from": start, "to": to, "limit": limit, "tz": tz}.items() if v is not None}
    on_record = reads.recorder(request, who, case, given)
    return detection.alerts_json(list_alerts(request.app.state.ledger, query, on_record), zone)

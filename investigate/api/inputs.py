"""The API's query parameters: their types (what OpenAPI says, and FastAPI checks: a 422) and their
reading into the use cases' types (times, zones, days: a 400 with a one-line reason)."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Annotated, Any

from fastapi import Path, Query, Request

from auditlog.domain.errors import BadInput
from auditlog.investigate.times import parse_time, zone

# no control characters (Postgres text cannot hold NUL), no blank ends, bounded
_TEXT = r"^[^\x00-\x1f\x7f]+$"
Id = Annotated[str, Path(min_length=1, max_length=200, pattern=_TEXT, description="an account's or actor's id")]
TextParam = Annotated[str | None, Query(min_length=1, max_length=200, pattern=_TEXT)]
TimeParam = Annotated[str | None, Query(min_length=1, max_length=64, pattern=_TEXT,
                                        description="ISO-8601 with an offset, or without one and tz=")]
_TIME_HELP = "ISO-8601 with an offset, or without one and tz="
FromParam = Annotated[str | None, Query(alias="from", min_length=1, max_length=64, pattern=_TEXT,
                                        description=_TIME_HELP)]
RequiredTime = Annotated[str, Query(min_length=1, max_length=64, pattern=_TEXT, description=_TIME_HELP)]
CaseParam = Annotated[str | None, Query(alias="case", min_length=1, max_length=64, pattern=_TEXT)]
ZoneParam = Annotated[str | None, Query(min_length=1, max_length=64, pattern=_TEXT,
                                        description="IANA zone (e.g. America/New_York): display zone, and the zone "
                                                    "of times given without an offset")]

EARLIEST = datetime(1900, 1, 1).date()
LATEST = datetime(2999, 12, 31).date()


def tz_of(name: str | None) -> tzinfo | None:
    try:
        return zone(name)
    except BadInput:
        raise BadInput(f"tz: unknown time zone {name!r} (try America/New_York or UTC)") from None


def time_of(text: str | None, tz: tzinfo | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = parse_time(text, tz, name)
    except BadInput as exc:
        raise BadInput(exc.reason.replace("pass --tz", "pass tz=")) from None
    except (OverflowError, OSError) as exc:
        raise BadInput(f"{name}: {text!r} is not a time auditlog can read ({exc})") from None
    if not EARLIEST <= moment.date() <= LATEST:
        raise BadInput(f"{name}: {text!r} is outside {EARLIEST.year}-{LATEST.year}")
    return moment


def day_of(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{name}: {text!r} is not a date like 2017-11-02") from None
    if not EARLIEST <= day <= LATEST:
        raise BadInput(f"{name}: {text!r} is outside {EARLIEST.year}-{LATEST.year}")
    return day


async def known_parameters_only(request: Request) -> None:
    """Refuse a query parameter the route does not take: a misspelt filter (``acter=``) must not
    quietly answer with every event. Async: it asks nothing, so it need not wait for a thread."""
    route = request.scope.get("route")
    if getattr(route, "dependant", None) is None:
        return
    known = _route_query_names(route)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise BadInput(f"unknown query parameter {unknown[0][:60]!r}; this route takes "
                       f"{', '.join(sorted(known)) or 'none'}")


_QUERY_NAMES: dict[str, frozenset[str]] = {}  # a route's unique_id -> its query parameters' names


def _route_query_names(route: Any) -> frozenset[str]:
    """Worked out once a route (routes are declared once, in the routers' modules)."""
    known = _QUERY_NAMES.get(route.unique_id)
    if known is None:
        known = _QUERY_NAMES[route.unique_id] = frozenset(_query_names(route.dependant))
    return known


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names

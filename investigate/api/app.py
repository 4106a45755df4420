"""``create_app(settings)``: the ASGI app ``auditlog serve`` runs under uvicorn.

One ``Ledger`` with a small pool for the app's life, and an ``AsyncReader`` for the questions
answered on the event loop (state, who); routers read them through the use cases.
``/api/v1/...`` (the investigator's questions, the reads log, lag, verify, tokens) answers JSON,
every refusal as ``{"detail": "one-line reason"}``; ``/log/`` (the transparency log's tiles)
answers as before. A refusal is a 4xx with its reason, a ledger that cannot be reached a 503;
anything else is a bug: logged (never with a token) and answered 500 without a trace.
``/`` is the web console (``console_routes``: static files only, talking to ``/api/v1``);
``/openapi.json`` describes the API; ``/docs`` is a small page pointing at it (Swagger UI would
load its scripts from a CDN, and the app serves nothing from outside).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from auditlog.domain.errors import AuditError, BadInput, Forbidden, ServiceUnavailable
from auditlog.domain.settings import Settings
from auditlog.investigate.api import access_routes, alert_routes, console_routes, history_routes, log_routes
from auditlog.investigate.usecases.access import KnownTokens, ReadRecorder
from auditlog.investigate.usecases.refusals import Refused
from auditlog.ledger.gateway import Ledger
from auditlog.ledger.reader import AsyncReader

POOL = 4
log = logging.getLogger("auditlog.api")
API_NAMES = {"after": "cursor", "start": "from", "end": "to"}  # use-case field -> query parameter

DOCS = """<!doctype html><html><head><meta charset="utf-8"><title>auditlog API</title></head><body>
<h1>auditlog API</h1><p>The OpenAPI document: <a href="/openapi.json">/openapi.json</a>.
Every <code>/api/v1</code> route needs <code>Authorization: Bearer TOKEN</code> (<code>auditlog tokens
create</code>); investigators also send <code>X-Audit-Case: CASE-ID</code>.</p></body></html>
"""


def create_app(settings: Settings, *, ledger: Ledger | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = ledger is None
        app.state.ledger = ledger if ledger is not None else Ledger.from_settings(settings, pool_size=POOL)
        app.state.recorder = ReadRecorder(app.state.ledger)
        app.state.reader = AsyncReader(app.state.ledger.database_url, size=POOL)
        try:
            await app.state.reader.open()
            yield
        finally:
            await app.state.reader.close()
            app.state.recorder.close()
            if own:
                app.state.ledger.close()

    app = FastAPI(title="auditlog", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="The audit ledger's HTTP API: the CLI's questions and answers, each read on the record.")
    app.state.settings = settings
    app.state.known_tokens = KnownTokens()
    app.include_router(log_routes.router)
    app.include_router(history_routes.router)
    app.include_router(access_routes.router)
    app.include_router(alert_routes.router)
    app.include_router(console_routes.router)

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(DOCS)

    def refusal(request: Request, status: int, reason: str, headers: dict[str, str] | None = None) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": reason}, status_code=status, headers=headers)
        return PlainTextResponse(reason + "\n", status_code=status, headers=headers)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return refusal(request, 400, exc.worded(lambda name: API_NAMES.get(name, name)))

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> Response:
        return refusal(request, 400, exc.reason)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return refusal(request, 403, exc.reason)

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        return refusal(request, 503, exc.reason, {"Retry-After": "5"})

    @app.exception_handler(AuditError)
    async def failed(request: Request, exc: AuditError) -> Response:
        return refusal(request, 503, exc.reason)

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        # the path only: query strings may hold what an investigator searched for, headers a token
        log.error("internal error answering %s %s", request.method, request.url.path, exc_info=exc)
        return refusal(request, 500, "internal error (logged on the server)")

    return app


def app_from_environment() -> FastAPI:
    """``create_app`` with the settings of the environment (and ``.env``): what each worker process
    of ``auditlog serve --workers N`` builds."""
    return create_app(Settings.load())

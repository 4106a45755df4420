"""``create_app(settings)``: the ASGI app ``auditlog serve`` runs under uvicorn.

One ``Ledger`` with a small pool for the app's life; routers read it through units of work.
Errors never leave as a 500 with a trace: a refusal is a 4xx with its reason, a ledger that
cannot be reached a 503 with its reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from auditlog.domain.errors import AuditError, BadInput, ServiceUnavailable
from auditlog.domain.settings import Settings
from auditlog.investigate.api import console_routes, log_routes
from auditlog.ledger.gateway import Ledger

POOL = 4


def create_app(settings: Settings, *, ledger: Ledger | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = ledger is None
        app.state.ledger = ledger if ledger is not None else Ledger.from_settings(settings, pool_size=POOL)
        try:
            yield
        finally:
            if own:
                app.state.ledger.close()

    app = FastAPI(title="auditlog", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.include_router(log_routes.router)
    app.include_router(console_routes.router)

    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput) -> PlainTextResponse:
        return PlainTextResponse(exc.reason + "\n", status_code=400)

    @app.exception_handler(ServiceUnavailable)
    async def unavailable(request: Request, exc: ServiceUnavailable) -> PlainTextResponse:
        return PlainTextResponse(exc.reason + "\n", status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(AuditError)
    async def failed(request: Request, exc: AuditError) -> PlainTextResponse:
        return PlainTextResponse(exc.reason + "\n", status_code=503)

    return app

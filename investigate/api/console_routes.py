"""``/``: the web console (issue 11), static files only: no build step, no outside network.

``/`` is the page; ``/console/<name>`` its scripts and style, from a fixed list (no path from
the request ever reaches the file system). The page talks to ``/api/v1/`` with the token in
the Authorization header; the headers here keep it to this origin: scripts and styles from
here only (no inline script, so text from the API can never run), no framing, no referrer.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

router = APIRouter()

_FILES = {"app.js": "text/javascript", "api.js": "text/javascript", "dom.js": "text/javascript",
          "bands.js": "text/javascript", "views.js": "text/javascript", "style.css": "text/css",
          "icon.svg": "image/svg+xml"}
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": _CSP, "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}


def _read(name: str) -> bytes:
    return files("auditlog.investigate.api").joinpath("console", name).read_bytes()


@router.get("/", include_in_schema=False)
async def index() -> Response:
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/console/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    media = _FILES.get(name)
    if media is None:
        return PlainTextResponse(f"the console has no file {name!r}\n", status_code=404)
    return Response(_read(name), media_type=f"{media}; charset=utf-8", headers=HEADERS)

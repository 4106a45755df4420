"""``/log/``: the ledger's transparency log as c2sp.org/tlog-tiles, read-only and public.

``/log/checkpoint`` is the newest signed tree checkpoint (never cached for long: it moves);
``/log/tile/<L>/<N>[.p/<W>]`` and ``/log/tile/entries/<N>[.p/<W>]`` are tiles the tree builder
wrote once. A full tile never changes, so it is served as immutable; a partial one only until
the tree grows past it. A tile the tree does not have (yet) is a 404 that says why. These paths
hold hashes only, so they need no token.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from auditlog.investigate.usecases.evidence import newest_checkpoint, read_tile
from auditlog.ledger.tiles import BadTilePath, Tile, parse_path

router = APIRouter(prefix="/log")

IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=10"
_OCTETS = "application/octet-stream"


@router.get("/checkpoint")
async def checkpoint(request: Request) -> Response:
    settings = request.app.state.settings
    text = await run_in_threadpool(newest_checkpoint, request.app.state.ledger, settings)
    if text is None:
        return PlainTextResponse("no tree checkpoint is signed yet\n", status_code=404)
    return PlainTextResponse(text, headers={"Cache-Control": "no-cache"})


@router.get("/tile/{path:path}")
async def tile(path: str, request: Request) -> Response:
    try:
        wanted: Tile = parse_path(f"tile/{path}")
    except BadTilePath as exc:
        return PlainTextResponse(f"{exc}\n", status_code=404)
    data = await run_in_threadpool(read_tile, request.app.state.ledger, wanted)
    if data is None:
        return PlainTextResponse(f"the tree has no tile {wanted.path()} (not grown that far yet)\n", status_code=404)
    return Response(data, media_type=_OCTETS, headers={"Cache-Control": IMMUTABLE if wanted.full else PARTIAL})

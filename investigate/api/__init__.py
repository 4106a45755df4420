"""The HTTP face of the investigator's ledger: an ASGI app (FastAPI) made by ``create_app``.

Today it serves the transparency log (``/log/``, ``log_routes.py``); the investigator API
(``/api/v1/...``, tokens, the console) joins it as more routers on the same app.
"""

"""The faces of auditlog and what they stand on.

``usecases``: one typed function per question, over the ledger gateway; ``render``: one JSON and
one text rendering per answer shape; ``cli``: the ``auditlog`` command (the HTTP API and the web
console come next, on the same use cases and renderers); ``demo``: the incident day, end to end.
"""

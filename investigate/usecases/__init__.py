"""The investigator's use cases: one typed function per question, under every face.

Each takes the ``Ledger`` (and ``Settings`` where it needs keys or the broker) plus a frozen
query, and returns a frozen answer. None parses text for a face, prints, or names a CLI flag:
the CLI, the HTTP API and the console parse their own input, call the same function and render
its answer through ``auditlog.investigate.render``.
"""

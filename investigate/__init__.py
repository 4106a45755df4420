"""The faces of auditlog: the ``auditlog`` CLI (and later the HTTP API and web console)."""

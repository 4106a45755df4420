"""The pure core of auditlog: events, the action catalog and the fold. Stdlib only."""

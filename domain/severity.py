"""How bad a finding is: ``Severity``, orderable through ``rank``.

Its own module because both the rules and their configuration name it, and the
configuration must load without the rules (``auditlog rules list`` reads only the file)."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# StrEnum compares as text ("critical" < "high"), so order goes through rank, never through <
_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


def rank(severity: Severity) -> int:
    """0 for LOW up to 3 for CRITICAL: ``sorted(findings, key=lambda f: rank(f.severity))``."""
    return _RANK[severity]

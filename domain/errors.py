"""The one error tree of auditlog.

Every failure a user can see is an ``AuditError``; ``retriable`` tells a
long-running process whether waiting and trying again can help. Driver errors
(psycopg, kafka-python, fastavro) are translated into these at one boundary per
room, always with ``raise ... from exc`` so the cause stays visible.
"""

from __future__ import annotations


class AuditError(Exception):
    """Base of every auditlog error; the message is a one-line reason."""

    retriable: bool = False

    def __init__(self, reason: str, *, retriable: bool | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if retriable is not None:
            self.retriable = retriable


class InvalidEvent(AuditError):
    """An event that breaks the contract (bad field, unknown action, naive time)."""


class DecodeError(AuditError):
    """Bytes that are not a readable event (garbage, truncated, unknown schema)."""


class BadInput(AuditError):
    """A user's argument that cannot be understood (a time, an id, a file line)."""


class ServiceUnavailable(AuditError):
    """Postgres or the broker cannot be reached; trying later may work."""

    retriable = True


class ConfigError(AuditError):
    """A setting in the environment is missing or malformed; names its variable."""


class DeliveryFailed(AuditError):
    """The broker did not take an event (buffer full while it is down, or delivery timed out).

    Never silent: the message names how many events and which ones were not sent."""

    retriable = True


class Forbidden(AuditError):
    """A known caller asked for something its role or scope does not cover."""

"""Connections to the ledger, and the one place psycopg errors become ``AuditError``s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from domain.errors import AuditError, ServiceUnavailable


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable(f"cannot reach Postgres: {_first_line(exc)}") from exc


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn driver errors raised inside the block into ``AuditError``s."""
    try:
        yield
    except psycopg.OperationalError as exc:  # connection lost, server restarting
        raise ServiceUnavailable(f"Postgres connection failed: {_first_line(exc)}") from exc
    except psycopg.errors.UndefinedTable as exc:
        raise AuditError("the ledger has no tables yet: run `auditlog db migrate`") from exc
    except psycopg.Error as exc:
        raise AuditError(f"Postgres error: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""Connections to the ledger, and the one place psycopg errors become ``AuditError``s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from auditlog.domain.errors import AuditError, ServiceUnavailable


def connect(dsn: str, *, autocommit: bool = False, role: str | None = None) -> psycopg.Connection:
    """Connect; with ``role`` (see ``ledger.roles``), run every statement as that role."""
    try:
        conn = psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable(f"cannot reach Postgres: {first_line(exc)}") from exc
    if role is not None:
        try:
            _set_role(conn, role)
        except BaseException:
            conn.close()
            raise
    return conn


def _set_role(conn: psycopg.Connection, role: str) -> None:
    try:
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        if not conn.autocommit:
            conn.commit()  # SET ROLE lasts for the session once its transaction commits
    except ROLE_REFUSED as exc:
        raise cannot_act_as(role, exc) from exc
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable(f"Postgres connection failed: {first_line(exc)}") from exc


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn driver errors raised inside the block into ``AuditError``s."""
    try:
        yield
    except psycopg.OperationalError as exc:  # connection lost, server restarting
        raise ServiceUnavailable(f"Postgres connection failed: {first_line(exc)}") from exc
    except psycopg.errors.UndefinedTable as exc:
        raise AuditError("the ledger has no tables yet: run `auditlog db migrate`") from exc
    except psycopg.Error as exc:
        raise AuditError(f"Postgres error: {first_line(exc)}") from exc


CONNECT_TIMEOUT_S = 10  # how long a connection (or a pool's first ones) may take to come

# what Postgres answers a SET ROLE the login may not take
ROLE_REFUSED = (psycopg.errors.InvalidParameterValue, psycopg.errors.InsufficientPrivilege)


def cannot_act_as(role: str, exc: BaseException) -> AuditError:
    return AuditError(f"cannot act as role {role}: {first_line(exc)} (run `auditlog db migrate`, and make "
                      f"the DATABASE_URL user a member of {role})")


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""A Postgres for benchmarks: the one DATABASE_URL (or .env) names, else a throw-away
embedded server; a fresh migrated database on it, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict

from auditlog.devstack.stack import temporary_stack
from auditlog.domain.settings import Settings
from auditlog.ledger.migrate import migrate


@contextmanager
def bench_database(name: str) -> Iterator[str]:
    with _server() as admin_url:
        database = f"bench_{name}_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database}"')
        url = f"{admin_url.rpartition('/')[0]}/{database}"
        try:
            with psycopg.connect(url) as conn:
                migrate(conn)
            yield url
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@contextmanager
def _server() -> Iterator[str]:
    url = Settings.load().database_url
    if url:
        yield url
        return
    with temporary_stack("auditlog-bench-", durable=False) as stack:  # its broker idles: a second's cost
        yield stack.postgres.url("postgres")


def eventsourcing_env(url: str) -> dict[str, str]:
    """The ``eventsourcing`` library's settings for its Postgres persistence on ``url``."""
    info = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": str(info["dbname"]),
        "POSTGRES_HOST": str(info["host"]), "POSTGRES_PORT": str(info["port"]),
        "POSTGRES_USER": str(info["user"]), "POSTGRES_PASSWORD": str(info.get("password") or ""),
    }

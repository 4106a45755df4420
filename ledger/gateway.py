"""The ledger gateway: the one door every room uses to reach Postgres.

``Ledger`` is built from ``Settings``. It owns the connections (one, reused, or a pool
where many threads ask at once: the API) and the roles, and hands out units of work:
``reading()`` runs as ``auditlog_reader`` in one read-only snapshot, ``writing()`` as
``auditlog_writer``, ``projecting()`` as ``auditlog_projector``, ``recording()`` as ``auditlog_reader``
appending to the reads log (the one table the reader may append to). A unit is one
transaction: it commits when its block ends and rolls back when the block raises. Every
query sits behind a unit's methods (``ledger/units.py``), which return named rows and
dataclasses; nothing outside ``ledger/`` writes SQL.

The role is taken with ``SET LOCAL ROLE`` inside each unit's transaction, so a pooled
connection never carries one unit's role into the next. ``DATABASE_URL`` may name a
superuser (the devstack) or a login role that is a member of the roles it needs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import namedtuple_row

from auditlog.domain.errors import AuditError, ServiceUnavailable
from auditlog.domain.settings import Settings
from auditlog.ledger import checkpoints, feed, roles, tree_checkpoints
from auditlog.ledger.db import CONNECT_TIMEOUT_S, ROLE_REFUSED, cannot_act_as, first_line, translated_errors
from auditlog.ledger.migrate import Migration, migrate
from auditlog.ledger.units import ProjectUnit, ReadUnit, RecordUnit, WriteUnit

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from psycopg_pool import ConnectionPool

Unit = TypeVar("Unit", ReadUnit, WriteUnit, ProjectUnit, RecordUnit)


class Ledger:
    def __init__(self, database_url: str, *, pool_size: int = 0) -> None:
        """``pool_size`` > 0: a pool of that many connections, for threads that ask at once;
        0: one connection, opened on first use and reopened after a failure (not thread-safe:
        one ``Ledger`` per thread)."""
        self.database_url = database_url
        self._pool: ConnectionPool | None = None
        self._conn: psycopg.Connection[Any] | None = None
        self._claims: list[str] = []
        self._lock = threading.Lock()
        if pool_size > 0:
            from psycopg_pool import ConnectionPool

            self._pool = ConnectionPool(database_url, min_size=1, max_size=pool_size, open=False,
                                        kwargs=_CONNECTION_OPTIONS)
            try:
                self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
            except Exception as exc:  # psycopg_pool.PoolTimeout: the server is not there
                self._pool.close()
                raise ServiceUnavailable(f"cannot reach Postgres: {first_line(exc)}") from exc

    @classmethod
    def from_settings(cls, settings: Settings, *, pool_size: int = 0) -> Ledger:
        return cls(settings.require_database(), pool_size=pool_size)

    # -- units of work -------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[ReadUnit]:
        """One read-only transaction as the reader role, on one snapshot (REPEATABLE READ), so
        the several queries of one answer agree with each other."""
        with self._unit(roles.READER, ReadUnit, "ISOLATION LEVEL REPEATABLE READ, READ ONLY") as unit:
            yield unit

    @contextmanager
    def writing(self) -> Iterator[WriteUnit]:
        with self._unit(roles.WRITER, WriteUnit) as unit:
            yield unit

    @contextmanager
    def recording(self) -> Iterator[RecordUnit]:
        """A read-write transaction as the reader role, whose one write is a read on the record."""
        with self._unit(roles.READER, RecordUnit) as unit:
            yield unit

    @contextmanager
    def projecting(self) -> Iterator[ProjectUnit]:
        with self._unit(roles.PROJECTOR, ProjectUnit) as unit:
            yield unit

    @contextmanager
    def _unit(self, role: str, kind: type[Unit], characteristics: str | None = None) -> Iterator[Unit]:
        with self._connection() as conn, translated_errors(), _transaction(conn, role, characteristics):
            yield kind(conn)

    def check_role(self, role: str) -> None:
        """Fail now, with the reason, if ``DATABASE_URL`` cannot act as ``role`` (a long-running
        consumer checks before it starts work it could never commit)."""
        with self._connection() as conn, translated_errors(), _transaction(conn, role):
            pass

    # -- work that spans transactions ---------------------------------------------

    def migrate(self) -> list[Migration]:
        """Bring the schema up to date, as the ``DATABASE_URL`` user (it creates roles)."""
        with self._connection() as conn:
            return migrate(conn)

    def checkpoint(self, key: Ed25519PrivateKey, export: Path | None) -> checkpoints.SignedCheckpoint | None:
        """Sign the chain heads as the writer; append the checkpoint to ``export`` once the
        row has durably committed (so the file never holds one the database lost)."""
        with self.writing() as unit:
            signed = unit.sign_checkpoint(key)
        if signed is not None and export is not None:
            checkpoints.append_export(export, signed)
        return signed

    def sign_tree(self, key: Ed25519PrivateKey, origin: str,
                  export: Path | None) -> tree_checkpoints.TreeCheckpoint | None:
        """Sign the tree the builder last committed (consistent with every checkpoint before, or
        refused); append it to ``export`` once committed. None: nothing new to sign."""
        with self.writing() as unit:
            signed = unit.sign_tree_checkpoint(key, origin)
        if signed is not None and export is not None:
            tree_checkpoints.append_export(export, signed)
        return signed

    def claim(self, consumer: str) -> None:
        """Make this ledger's connection the only running instance of feed ``consumer``
        (kept across reconnects); raise if another instance holds it."""
        if self._pool is not None:
            raise AuditError("a feed consumer claims its name on a ledger without a pool")
        with self._connection() as conn:
            _claim(conn, consumer)
        self._claims.append(consumer)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connections ----------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if self._pool is not None:
            try:
                with self._pool.connection(timeout=CONNECT_TIMEOUT_S) as pooled:
                    yield pooled
            except psycopg.OperationalError as exc:
                raise ServiceUnavailable(f"Postgres connection failed: {first_line(exc)}") from exc
            return
        with self._lock:
            own = self._conn
            if own is None or own.closed or own.broken:
                if own is not None:
                    own.close()
                self._conn = None
                own = self._conn = self._open()
        yield own

    def _open(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.database_url, connect_timeout=CONNECT_TIMEOUT_S, **_CONNECTION_OPTIONS)
        except psycopg.OperationalError as exc:
            raise ServiceUnavailable(f"cannot reach Postgres: {first_line(exc)}") from exc
        try:
            for consumer in self._claims:
                _claim(conn, consumer)
        except BaseException:
            conn.close()
            raise
        return conn


# autocommit: outside a unit nothing is open; a unit's transaction() is the only BEGIN
_CONNECTION_OPTIONS: dict[str, Any] = {"autocommit": True, "row_factory": namedtuple_row}


@contextmanager
def _transaction(conn: psycopg.Connection[Any], role: str, characteristics: str | None = None) -> Iterator[None]:
    """A transaction as ``role``: committed when the block ends, rolled back when it raises.
    BEGIN and SET LOCAL ROLE go as one simple query (one round trip, where psycopg's
    ``transaction()`` and a SET each took one: a unit of the API is a few short queries)."""
    begin = sql.SQL("BEGIN {}; SET LOCAL ROLE {}").format(sql.SQL(characteristics or ""), sql.Identifier(role))
    try:
        conn.execute(begin)
    except ROLE_REFUSED as exc:
        _roll_back(conn)
        raise cannot_act_as(role, exc) from exc
    try:
        yield
    except BaseException:
        _roll_back(conn)
        raise
    conn.execute("COMMIT")


def _roll_back(conn: psycopg.Connection[Any]) -> None:
    if conn.closed or conn.broken:
        return
    with contextlib.suppress(psycopg.Error):  # the error that brought us here is the one to raise
        conn.execute("ROLLBACK")


def _claim(conn: psycopg.Connection[Any], consumer: str) -> None:
    if not feed.claim(conn, consumer):
        raise AuditError(f"another {consumer} is already running against this ledger")

"""``AsyncReader``: the ledger's most asked questions for a server's event loop, no thread in between.

The API answers state and who-did-what under load. Asked through ``Ledger.reading()`` each
answer took a thread of the pool and four round trips (BEGIN with SET LOCAL ROLE, the
queries, COMMIT). Here each answer is one statement on a pooled asyncio connection that is
the reader role, read-only, for its whole life (set once when it connects, so no connection
carries another role): a single statement reads on one snapshot of the database, so it needs
no transaction. The statements and the folds are ``ledger.state``'s and ``ledger.read``'s.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from auditlog.domain.account import AccountState
from auditlog.domain.errors import ServiceUnavailable
from auditlog.ledger import roles
from auditlog.ledger.db import CONNECT_TIMEOUT_S, first_line, translated_errors
from auditlog.ledger.read import LedgerEvent, WhoFilter, row_to_event, who_query
from auditlog.ledger.state import state_from_rows, state_params, state_statement

_AS_READER = sql.SQL("SET ROLE {}; SET default_transaction_read_only = on").format(sql.Identifier(roles.READER))


_DECODER = json.JSONDecoder()


def _json(data: str | bytes) -> Any:
    """A jsonb value (an event's payload, a snapshot's state) as Python: ``json.loads`` without its
    encoding sniffing and trailing-text check, as Postgres sends one UTF-8 document with nothing
    around it (2.7 us a payload against 4.0; state and who decode one an event)."""
    return _DECODER.raw_decode(data if isinstance(data, str) else data.decode())[0]


async def _as_reader(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute(_AS_READER)
    set_json_loads(_json, conn)


class AsyncReader:
    def __init__(self, database_url: str, *, size: int = 4, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self._timeout_s = timeout_s
        self._pool = AsyncConnectionPool(database_url, min_size=size, max_size=size, open=False,
                                         kwargs={"autocommit": True}, configure=_as_reader)

    async def open(self) -> None:
        """Connect (``ServiceUnavailable`` when Postgres is not there, or the login may not be the
        reader role: the pool cannot make a connection it may use)."""
        try:
            await self._pool.open(wait=True, timeout=self._timeout_s)
        except PoolTimeout as exc:
            await self._pool.close()
            raise ServiceUnavailable(f"cannot reach Postgres as role {roles.READER}: {first_line(exc)} "
                                     f"(is it up? is the DATABASE_URL user a member of {roles.READER}?)") from exc

    async def close(self) -> None:
        await self._pool.close()

    async def state_at(self, account: str, at: datetime, known_at: datetime | None = None) -> AccountState:
        """``ledger.state.state_at``."""
        rows = await self._rows(state_statement(), state_params(account, at, known_at))
        return state_from_rows(account, rows)

    async def who(self, where: WhoFilter, *, limit: int,
                  after: tuple[datetime, int] | None = None) -> list[LedgerEvent]:
        """``ledger.read.who``."""
        return [row_to_event(row) for row in await self._rows(*who_query(where, limit, after))]

    async def _rows(self, statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        with translated_errors():  # a connection lost or a server restarted: 503, with the reason
            async with self._connection() as conn, conn.cursor() as cursor:
                await cursor.execute(statement, params)
                return await cursor.fetchall()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            async with self._pool.connection(timeout=self._timeout_s) as conn:
                yield conn
        except PoolTimeout as exc:
            raise ServiceUnavailable(f"no Postgres connection within {self._timeout_s:g} s: "
                                     f"{first_line(exc)}") from exc

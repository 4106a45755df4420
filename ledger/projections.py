"""Projections: tables derived from the ledger feed, and their generations.

A projection (``accounts_now``, ``actors_now``, ``snapshots``) is kept by a feed consumer that
applies each page of feed rows and stores its feed position in the same transaction
(``consumers/projector.py``). Its rows carry a generation; readers see only the live one
(``projections.live``). A rebuild fills the next generation beside the live one from the start
of the feed, under its own position (``NAME#rebuild``), and then, in one transaction holding the
projection's row FOR UPDATE, catches up the last rows, makes its generation live, hands its
position to ``NAME`` and drops the old generation: a reader sees the old projection or the new
one, never a half-built one. A projector applying a batch holds the row FOR SHARE, so it works on
one generation or the other, never across a swap.

A rebuild killed half-way leaves its generation marked ``building`` with its position stored
beside its rows, so the next rebuild resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import psycopg

from auditlog.domain.errors import AuditError, BadInput
from auditlog.ledger import feed
from auditlog.ledger.db import translated_errors
from auditlog.ledger.sql import query

REBUILD = "#rebuild"


class Projection(Protocol):
    """What a projector applies feed rows with (``ledger/now.py``, ``ledger/snapshots.py``)."""

    name: str

    def apply(self, conn: psycopg.Connection[Any], generation: int, page: feed.Page) -> int:
        """Apply ``page`` (feed order) to ``generation``, in the caller's transaction; return how
        many projection rows were written."""
        ...

    def clear(self, conn: psycopg.Connection[Any], generation: int) -> None:
        """Drop every row of ``generation``."""
        ...

    def forget(self) -> None:
        """Drop what is cached in memory (after a transaction that applied rows rolled back)."""
        ...


@dataclass(frozen=True)
class Generations:
    name: str
    live: int
    building: int | None
    swapped_at: datetime | None


def rebuild_consumer(name: str) -> str:
    return name + REBUILD


def generations(conn: psycopg.Connection[Any], name: str, *, exclusive: bool = False) -> Generations:
    """``name``'s generations, its row locked FOR SHARE (a batch) or FOR UPDATE (a rebuild)."""
    with translated_errors():
        row = conn.execute(query("projection_exclusive" if exclusive else "projection_share"),
                           {"name": name}).fetchone()
    if row is None:
        raise AuditError(f"no projection named {name!r} (run `auditlog db migrate`)")
    return Generations(row.name, row.live, row.building, row.swapped_at)


def all_generations(conn: psycopg.Connection[Any]) -> list[Generations]:
    with translated_errors():
        return [Generations(r.name, r.live, r.building, r.swapped_at) for r in conn.execute(query("projections_all"))]


def row_counts(conn: psycopg.Connection[Any]) -> dict[tuple[str, int], int]:
    """(projection, generation) -> rows."""
    with translated_errors():
        return {(r.name, r.generation): int(r.rows) for r in conn.execute(query("projection_rows"))}


def begin_rebuild(conn: psycopg.Connection[Any], projection: Projection, *, restart: bool = False) -> int:
    """The generation a rebuild of ``projection`` fills: the one a killed rebuild left (resumed
    from its position), or a new empty one after the live one (``restart``: always new)."""
    current = generations(conn, projection.name, exclusive=True)
    if current.building is not None and not restart:
        return current.building
    building = max(current.live, current.building or 0) + 1
    projection.clear(conn, building)
    if current.building is not None:
        projection.clear(conn, current.building)
    with translated_errors():
        conn.execute(query("projection_building"), {"name": projection.name, "building": building})
        conn.execute(query("forget_feed_position"), {"consumer": rebuild_consumer(projection.name)})
    return building


def swap(conn: psycopg.Connection[Any], projection: Projection, at: feed.Position) -> int:
    """Make the rebuilt generation live with ``at`` as its position; drop the old one. The
    caller holds the projection's row FOR UPDATE (``generations(exclusive=True)``) and has applied
    every row up to ``at``. Returns the new live generation."""
    current = generations(conn, projection.name, exclusive=True)
    if current.building is None:
        raise AuditError(f"{projection.name}: no rebuild to swap in")
    with translated_errors():
        conn.execute(query("projection_swap"), {"name": projection.name})
        feed.store_position(conn, projection.name, at)
        conn.execute(query("forget_feed_position"), {"consumer": rebuild_consumer(projection.name)})
    projection.clear(conn, current.live)
    return current.building


NAMES = ("accounts_now", "actors_now", "snapshots")


def make(name: str) -> Projection:
    """A fresh projection object (its own cache) by name."""
    from auditlog.ledger import now, snapshots

    makers: dict[str, Any] = {"accounts_now": now.accounts_now, "actors_now": now.actors_now,
                              "snapshots": snapshots.SnapshotsProjection}
    if name not in makers:
        raise BadInput(f"no projection named {name!r}; there are {', '.join(NAMES)}")
    projection: Projection = makers[name]()
    return projection

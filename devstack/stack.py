"""Both services together, and the ``.env`` file that tells everything else where they are."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from auditlog.devstack.broker import TansuBroker
from auditlog.devstack.postgres import EmbeddedPostgres

DATABASE = "auditlog"


@dataclass
class Stack:
    root: Path
    durable: bool = True

    def __post_init__(self) -> None:
        self.postgres = EmbeddedPostgres(self.root / "postgres", durable=self.durable)
        self.broker = TansuBroker(self.root / "broker")

    @property
    def database_url(self) -> str:
        return self.postgres.url(DATABASE)

    @property
    def bootstrap_servers(self) -> str:
        return self.broker.bootstrap

    def up(self) -> None:
        self.postgres.start()
        self._ensure_database(DATABASE)
        self.broker.start()

    def down(self) -> None:
        self.broker.stop()
        self.postgres.stop()

    def status(self) -> dict[str, str]:
        return {
            "postgres": f"running at {self.database_url}" if self.postgres.running() else "stopped",
            "broker": f"running at {self.bootstrap_servers}" if self.broker.running() else "stopped",
        }

    def write_env(self, path: Path) -> None:
        path.write_text(
            f"DATABASE_URL={self.database_url}\nKAFKA_BOOTSTRAP_SERVERS={self.bootstrap_servers}\n"
        )

    def _ensure_database(self, name: str) -> None:
        import psycopg  # a dependency of the project; devstack only needs it here

        with psycopg.connect(self.postgres.url(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def temporary_stack(prefix: str, *, durable: bool) -> Iterator[Stack]:
    """Both services in a fresh temporary folder (tests, benchmarks), stopped and removed after."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    stack = Stack(root, durable=durable)
    try:
        stack.up()
        yield stack
    finally:
        stack.down()
        shutil.rmtree(root, ignore_errors=True)

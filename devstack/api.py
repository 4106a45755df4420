"""``auditlog serve`` in the background for ``make run``: the API and the web console on
127.0.0.1, its pid and log under ``.devstack/``; ``down`` stops it with the services.

It runs the project's own CLI as a process (nothing here imports it), from the interpreter that
runs devstack (the virtualenv's).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from auditlog.devstack._net import pid_alive, port_open, wait_for_port

HOST = "127.0.0.1"


class ApiServer:
    def __init__(self, root: Path, port: int = 8080) -> None:
        self.root, self.port = root, port
        self.pid_file, self.log_file = root / "api.pid", root / "api.log"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self, env: dict[str, str] | None = None) -> None:
        """Start it (again: a running one is stopped first) with ``env`` (default: this process's,
        and ``.env`` as the CLI reads it); wait until it answers."""
        self.stop()
        if port_open(HOST, self.port):
            raise RuntimeError(f"port {self.port} is taken by another program (make run API_PORT=N picks another)")
        self.root.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", "auditlog.investigate.cli", "serve", "--host", HOST,
                                     "--port", str(self.port)], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)  # outlives `make run`
        self.pid_file.write_text(f"{proc.pid}\n")
        if not wait_for_port(HOST, self.port, timeout=30):
            self.stop()
            raise RuntimeError(f"auditlog serve did not start; see {self.log_file}")

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        self.pid_file.unlink(missing_ok=True)

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        return pid is not None and pid_alive(pid)

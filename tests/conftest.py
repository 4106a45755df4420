"""Real services for the integration and acceptance tests.

The session starts its own embedded Postgres and Tansu broker in a temporary
folder and stops them at the end, unless DATABASE_URL and
KAFKA_BOOTSTRAP_SERVERS name external ones (or AUDITLOG_TEST_SERVICES=docker
asks pytest-docker to start docker-compose.yml). Each test module gets a fresh
database and a fresh topic. Unit tests never ask for any of this.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from auditlog.domain.settings import Settings
from auditlog.ledger.migrate import migrate

if TYPE_CHECKING:
    from auditlog.devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
# A writer's group session in the tests: the local broker lets a new member in ~4 s after a dead
# one's session has run out, and the fault tests kill many writers (the default is 6000)
SESSION_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class Services:
    admin_url: str  # a superuser connection to the server's maintenance database
    bootstrap_servers: str

    def database_url(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"


@pytest.fixture(scope="session")
def local_stack() -> Iterator[Stack | None]:
    """The session's own devstack (None when the tests use external or docker services);
    the fault tests stop and restart its Postgres."""
    if os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield None
        return
    if os.environ.get("AUDITLOG_TEST_SERVICES") == "docker":
        yield None
        return
    from auditlog.devstack.stack import temporary_stack

    with temporary_stack("auditlog-test-stack-", durable=False) as stack:
        yield stack


@pytest.fixture(scope="session")
def services(request: pytest.FixtureRequest, local_stack: Stack | None) -> Services:
    if local_stack is not None:
        return Services(local_stack.postgres.url("postgres"), local_stack.bootstrap_servers)
    if os.environ.get("DATABASE_URL") and os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return Services(os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"])
    return _docker_services(request)


def _docker_services(request: pytest.FixtureRequest) -> Services:
    """For machines with Docker: pytest-docker brings up docker-compose.yml's kafka and postgres."""
    docker = request.getfixturevalue("docker_services")
    from auditlog.devstack._net import port_open

    docker.wait_until_responsive(lambda: port_open("127.0.0.1", 5432), timeout=120, pause=1)
    docker.wait_until_responsive(lambda: port_open("127.0.0.1", 29092), timeout=120, pause=1)
    return Services("postgresql://auditlog:auditlog@127.0.0.1:5432/postgres", "127.0.0.1:29092")


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(ROOT / "docker-compose.yml")


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    return ["up --build -d kafka postgres"]


def _slug(request: pytest.FixtureRequest) -> str:
    name = request.module.__name__.rsplit(".", 1)[-1].replace("test_", "")
    return f"{name[:30]}_{uuid.uuid4().hex[:8]}".lower()


@pytest.fixture(scope="module")
def database_url(services: Services, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated ledger database for this module, dropped afterwards."""
    name = f"t_{_slug(request)}"
    with psycopg.connect(services.admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = services.database_url(name)
    with psycopg.connect(url) as conn:
        migrate(conn)
    yield url
    with psycopg.connect(services.admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def topic(services: Services, request: pytest.FixtureRequest) -> str:
    """A fresh topic name for this module (created by whoever first emits or ingests)."""
    return f"t-{_slug(request)}"


@pytest.fixture(scope="module")
def settings(services: Services, database_url: str, topic: str) -> Settings:
    return Settings(database_url=database_url, bootstrap_servers=services.bootstrap_servers,
                    topic=topic, group=f"g-{topic}", partitions=3, kafka_session_timeout_ms=SESSION_TIMEOUT_MS)


@pytest.fixture(scope="module")
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment for running the `auditlog` command against this module's services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "KAFKA_", "AUDITLOG_"))}
    env.update({
        "DATABASE_URL": settings.database_url or "",
        "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers or "",
        "AUDITLOG_TOPIC": settings.topic,
        "AUDITLOG_GROUP": settings.group,
        "AUDITLOG_PARTITIONS": str(settings.partitions),
        "AUDITLOG_KAFKA_SESSION_TIMEOUT_MS": str(settings.kafka_session_timeout_ms),
    })
    return env

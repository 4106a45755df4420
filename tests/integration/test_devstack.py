"""devstack starts real services, writes their addresses, and leaves nothing behind."""

import shutil
import tempfile
from pathlib import Path

import psycopg
from kafka import KafkaAdminClient

from auditlog.devstack._net import pid_alive, port_open
from auditlog.devstack.stack import Stack
from auditlog.domain.settings import Settings


def test_up_serves_both_and_down_stops_both() -> None:
    root = Path(tempfile.mkdtemp(prefix="auditlog-devstack-test-"))
    stack = Stack(root, durable=False)
    try:
        stack.up()
        stack.up()  # a second `up` reuses what runs
        stack.write_env(root / ".env")
        settings = Settings.load({}, root / ".env")
        assert settings.database_url == stack.database_url
        with psycopg.connect(stack.database_url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("auditlog",)
        admin = KafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
        assert isinstance(admin.list_topics(), list)
        admin.close()
        broker_pid, pg_port = stack.broker.pid(), stack.postgres.port
    finally:
        stack.down()
        shutil.rmtree(root, ignore_errors=True)
    assert broker_pid is not None and not pid_alive(broker_pid)
    assert pg_port is not None and not port_open("127.0.0.1", pg_port)


def test_the_api_runs_in_the_background_until_stopped(cli_env: dict[str, str], tmp_path: Path) -> None:
    import urllib.request

    from auditlog.devstack._net import free_port
    from auditlog.devstack.api import ApiServer

    api = ApiServer(tmp_path, free_port())
    api.start(cli_env)
    try:
        assert api.running()
        with urllib.request.urlopen(api.url + "openapi.json", timeout=10) as answer:
            assert answer.status == 200
        first = api.pid()
        api.start(cli_env)  # again: the running one is replaced, not doubled
        assert api.pid() != first and first is not None and not pid_alive(first)
    finally:
        api.stop()
    assert not api.running() and not port_open("127.0.0.1", api.port)

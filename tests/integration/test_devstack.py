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

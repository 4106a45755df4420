from pathlib import Path

import pytest

from auditlog.domain.errors import ConfigError
from auditlog.domain.settings import DEFAULT_TOPIC, Settings


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=postgresql://file@h:1/db\nKAFKA_BOOTSTRAP_SERVERS=file:9092\n")
    settings = Settings.load({"KAFKA_BOOTSTRAP_SERVERS": "env:9092"}, env_file)
    assert settings.database_url == "postgresql://file@h:1/db"
    assert settings.bootstrap_servers == "env:9092"
    assert settings.topic == DEFAULT_TOPIC


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"KAFKA_BOOTSTRAP_SERVERS": "localhost"}, "KAFKA_BOOTSTRAP_SERVERS"),
        ({"AUDITLOG_PARTITIONS": "six"}, "AUDITLOG_PARTITIONS"),
        ({"AUDITLOG_PARTITIONS": "0"}, "AUDITLOG_PARTITIONS"),
        ({"AUDITLOG_CHECKPOINT_EVERY": "often"}, "AUDITLOG_CHECKPOINT_EVERY"),
        ({"AUDITLOG_CHECKPOINT_SECONDS": "0"}, "AUDITLOG_CHECKPOINT_SECONDS"),
        ({"AUDITLOG_METRICS_PORT": "http"}, "AUDITLOG_METRICS_PORT"),
        ({"AUDITLOG_METRICS_PORT": "70000"}, "AUDITLOG_METRICS_PORT"),
        ({"AUDITLOG_READY_LAG_ROWS": "0"}, "AUDITLOG_READY_LAG_ROWS"),
        ({"AUDITLOG_LOG_ORIGIN": "my log"}, "AUDITLOG_LOG_ORIGIN"),
        ({"AUDITLOG_ALERT_WEBHOOK": "ftp://x"}, "AUDITLOG_ALERT_WEBHOOK"),
        ({"AUDITLOG_ALERT_WEBHOOK": "http://127.0.0.1:9/hook"}, "AUDITLOG_ALERT_WEBHOOK_SECRET"),
    ],
)
def test_a_bad_value_names_its_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.load(environ, None)


def test_missing_services_say_how_to_get_them() -> None:
    settings = Settings.load({}, None)
    with pytest.raises(ConfigError, match="DATABASE_URL is not set .*make up"):
        settings.require_database()
    with pytest.raises(ConfigError, match="KAFKA_BOOTSTRAP_SERVERS"):
        settings.require_broker()


def test_a_malformed_env_file_line_is_reported_with_its_number(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("# comment\n\nDATABASE_URL\n")
    with pytest.raises(ConfigError, match=r"\.env:3"):
        Settings.load({}, env_file)


def test_the_checkpoint_export_defaults_to_beside_the_signing_key() -> None:
    settings = Settings.load({"AUDITLOG_SIGNING_KEY": "/keys/ledger.key"}, None)
    assert settings.signing_key == Path("/keys/ledger.key")
    assert settings.checkpoint_export == Path("/keys/checkpoints.jsonl")
    assert Settings.load({}, None).checkpoint_export is None

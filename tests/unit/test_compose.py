"""docker-compose.yml agrees with the code: env names, addresses, KRaft, CLI commands.

No Docker engine is needed: the file is parsed, and its values are checked against
``auditlog.domain.settings`` and the ``auditlog`` argument parser.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from auditlog.domain.settings import ENV_VARS, Settings

COMPOSE_FILE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
APP_SERVICES = ("migrate", "ledger-writer", "projector", "detector", "api")
METRICS_SERVICES = ("ledger-writer", "projector", "detector")


def _compose() -> dict[str, Any]:
    with COMPOSE_FILE.open() as f:
        data = yaml.safe_load(f)
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), "no services: block"
    return data


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _service(name: str) -> dict[str, Any]:
    services = _services()
    assert name in services, f"docker-compose.yml has no {name!r} service"
    return services[name]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """Compose allows a mapping or a ``KEY=VALUE`` list; YAML may type values as int."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def _command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    assert command, "service has no command"
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def _listeners(value: str) -> dict[str, tuple[str, int]]:
    """``NAME://host:port,...`` -> {NAME: (host, port)}; an empty host means all interfaces."""
    result: dict[str, tuple[str, int]] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        name, _, address = entry.partition("://")
        host, _, port = address.rpartition(":")
        result[name] = (host, int(port))
    return result


def _kafka_service_name() -> str:
    names = [name for name, svc in _services().items() if "kafka" in str(svc.get("image", ""))]
    assert len(names) == 1, f"expected exactly one Kafka service, found {names}"
    return names[0]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_only_env_names_the_settings_know(name: str) -> None:
    env = _environment(_service(name))
    unknown = sorted(set(env) - set(ENV_VARS))
    assert not unknown, f"{name}: env names not in auditlog.domain.settings.ENV_VARS: {unknown}"
    assert "DATABASE_URL" in env and "KAFKA_BOOTSTRAP_SERVERS" in env, f"{name}: {sorted(env)}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_environment_loads_into_settings_unchanged(name: str) -> None:
    env = _environment(_service(name))
    settings = Settings.load(environ=env, env_file=None)  # a bad value raises ConfigError
    assert settings.database_url == env["DATABASE_URL"]
    assert settings.bootstrap_servers == env["KAFKA_BOOTSTRAP_SERVERS"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_bootstrap_servers_point_at_a_listener_kafka_serves(name: str) -> None:
    kafka_name = _kafka_service_name()
    kafka_env = _environment(_service(kafka_name))
    listeners = _listeners(kafka_env["KAFKA_LISTENERS"])
    advertised = _listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    controllers = set(kafka_env.get("KAFKA_CONTROLLER_LISTENER_NAMES", "").split(","))

    for server in _environment(_service(name))["KAFKA_BOOTSTRAP_SERVERS"].split(","):
        host, _, port_text = server.strip().rpartition(":")
        port = int(port_text)
        # Another container reaches Kafka by its service name on the container port.
        assert host == kafka_name, f"{name}: bootstrap host {host!r} is not the service {kafka_name!r}"
        matching = [lname for lname, address in advertised.items() if address == (host, port)]
        assert matching, f"{name}: {server} is not advertised by kafka ({advertised})"
        listener = matching[0]
        assert listener not in controllers, f"{name}: {server} is the controller listener"
        assert listener in listeners and listeners[listener][1] == port, (
            f"{name}: advertised {listener} {server} but kafka listens on {listeners.get(listener)}"
        )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_database_url_matches_the_postgres_service(name: str) -> None:
    url = urlsplit(_environment(_service(name))["DATABASE_URL"])
    assert url.hostname in _services(), f"{name}: DATABASE_URL host {url.hostname!r} is no service"
    postgres = _environment(_service(url.hostname or ""))
    assert "postgres" in str(_service(url.hostname or "").get("image", ""))
    assert (url.port or 5432) == int(postgres.get("PGPORT", "5432"))
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.path.lstrip("/") == postgres["POSTGRES_DB"]


def test_kafka_runs_in_kraft_mode_without_zookeeper() -> None:
    kafka_env = _environment(_service(_kafka_service_name()))
    roles = {role.strip() for role in kafka_env.get("KAFKA_PROCESS_ROLES", "").split(",")}
    assert {"broker", "controller"} <= roles, f"KAFKA_PROCESS_ROLES={roles}"
    assert kafka_env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"), "KRaft needs controller quorum voters"
    assert "KAFKA_ZOOKEEPER_CONNECT" not in kafka_env
    zookeepers = [
        name for name, svc in _services().items()
        if "zookeeper" in name.lower() or "zookeeper" in str(svc.get("image", "")).lower()
    ]
    assert not zookeepers, f"zookeeper services present: {zookeepers}"


def test_app_services_wait_for_healthy_dependencies() -> None:
    # The writer must not start before the schema exists and the broker answers.
    writer_deps = _service("ledger-writer").get("depends_on", {})
    assert writer_deps.get(_kafka_service_name(), {}).get("condition") == "service_healthy"
    assert writer_deps.get("migrate", {}).get("condition") == "service_completed_successfully"
    assert _service("migrate").get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy"
    for name in (_kafka_service_name(), "postgres"):
        assert _service(name).get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_command_is_accepted_by_the_auditlog_cli(name: str) -> None:
    from auditlog.investigate.cli import build_parser  # imported here so the other tests run without it

    parser = build_parser()
    assert parser.prog == "auditlog"
    words = _command_words(_service(name))
    assert words[0] == "auditlog", f"{name}: command {words} does not run the auditlog CLI"
    try:
        parser.parse_args(words[1:])
    except SystemExit as exc:
        pytest.fail(f"{name}: `{shlex.join(words)}` rejected by the auditlog parser (exit {exc.code})")


def _option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


@pytest.mark.parametrize("name", METRICS_SERVICES)
def test_metrics_port_is_published_to_the_host_loopback_only(name: str) -> None:
    service = _service(name)
    port = _option(_command_words(service), "--metrics-port")
    assert port, f"{name}: no --metrics-port"
    published = [str(p) for p in service.get("ports", [])]
    assert f"127.0.0.1:{port}:{port}" in published, f"{name}: {published}"


def test_prometheus_scrapes_every_metrics_port() -> None:
    prometheus = _service("prometheus")
    assert "prometheus" in str(prometheus.get("image", ""))
    (config,) = prometheus["configs"]
    assert config["target"] == "/etc/prometheus/prometheus.yml"
    scrape = yaml.safe_load(_compose()["configs"][config["source"]]["content"])
    targets = {t for job in scrape["scrape_configs"] for group in job["static_configs"] for t in group["targets"]}
    expected = {f"{name}:{_option(_command_words(_service(name)), '--metrics-port')}" for name in METRICS_SERVICES}
    assert targets == expected

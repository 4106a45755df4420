"""``Settings``: every knob auditlog reads from the environment, built once.

The environment wins; ``.env`` in the working directory (written by
``make up``) fills in what the environment does not set. A bad value names its
variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from auditlog.domain.errors import ConfigError

DEFAULT_TOPIC = "admin-actions"
DEFAULT_GROUP = "auditlog-ledger-writer"
DEFAULT_ORIGIN = "auditlog.example.org/ledger"

# name -> what it means; the README and docker-compose.yml use exactly these names
ENV_VARS: dict[str, str] = {
    "DATABASE_URL": "Postgres connection URL of the ledger, e.g. postgresql://user@host:5432/auditlog",
    "KAFKA_BOOTSTRAP_SERVERS": "comma-separated host:port list of the Kafka-protocol broker",
    "AUDITLOG_TOPIC": f"topic admin actions are emitted to and ingested from (default {DEFAULT_TOPIC})",
    "AUDITLOG_GROUP": f"consumer group of the ledger writers (default {DEFAULT_GROUP})",
    "AUDITLOG_PARTITIONS": "partitions to create the topic with when it is missing (default 6)",
    "AUDITLOG_SIGNING_KEY": "Ed25519 private key (PEM) that signs checkpoints; its public key is the same "
    "path plus .pub (`auditlog keys init` makes one); unset: no checkpoints",
    "AUDITLOG_CHECKPOINT_EXPORT": "file outside the database that signed checkpoints are appended to "
    "(default: checkpoints.jsonl beside the signing key)",
    "AUDITLOG_CHECKPOINT_EVERY": "the writer signs a checkpoint after this many new events (default 10000)",
    "AUDITLOG_CHECKPOINT_SECONDS": "... or after this many seconds with new events (default 60)",
    "AUDITLOG_LOG_ORIGIN": "the transparency log's origin: the first line of its checkpoints and the name of "
    f"its signing key in signed notes (default {DEFAULT_ORIGIN}; set your own)",
    "AUDITLOG_TRUSTED_KEYS": "file of verifier keys (`auditlog keys vkey` lines) whose checkpoints verify trusts "
    "(default: trusted.vkeys beside the signing key; `keys init` and `keys rotate` add to it)",
    "AUDITLOG_KAFKA_SESSION_TIMEOUT_MS": "how long a writer may go silent before its group gives its partitions "
    "to others; heartbeats go every third of it (default 6000)",
    "AUDITLOG_METRICS_PORT": "port of /metrics, /healthz and /readyz of `ingest` and `projections run` "
    "(their --metrics-port wins; unset: no metrics server)",
    "AUDITLOG_METRICS_HOST": "address the metrics server binds (--metrics-host wins; default 127.0.0.1)",
    "AUDITLOG_READY_LAG_MESSAGES": "/readyz of `ingest`: ready while the ledger is at most this many messages "
    "behind the topic's log ends (default 10000)",
    "AUDITLOG_READY_LAG_ROWS": "/readyz of `projections run`: ready while each projection is at most this many "
    "feed rows behind the ledger's head (default 10000)",
    "AUDITLOG_RULES": "TOML file of the detector's rules (thresholds, severities, enabling, allowlists); "
    "unset: the defaults `auditlog rules list` shows",
    "AUDITLOG_ALERT_WEBHOOK": "URL the detector POSTs each alert's JSON to (unset: no webhook)",
    "AUDITLOG_ALERT_WEBHOOK_SECRET": "key of the HMAC-SHA256 in each webhook POST's X-Auditlog-Signature header "
    "(required with AUDITLOG_ALERT_WEBHOOK)",
    "AUDITLOG_ALERT_TOPIC": "Kafka topic the detector publishes each alert's JSON to (unset: none)",
    "AUDITLOG_CASE": "the audit case the investigator commands (state, who, timeline, diff, actor) record their "
    "reads under, when --case is not given (1-64 printable ASCII characters)",
    "AUDITLOG_REQUIRE_CASE": "1: those commands refuse to read without a case (--case or AUDITLOG_CASE); "
    "default 0",
}


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    bootstrap_servers: str | None
    topic: str = DEFAULT_TOPIC
    group: str = DEFAULT_GROUP
    partitions: int = 6
    signing_key: Path | None = None
    checkpoint_export: Path | None = None
    checkpoint_every: int = 10_000
    checkpoint_seconds: int = 60
    kafka_session_timeout_ms: int = 6_000
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    ready_lag_messages: int = 10_000
    ready_lag_rows: int = 10_000
    log_origin: str = DEFAULT_ORIGIN
    trusted_keys: Path | None = None
    rules_file: Path | None = None
    alert_webhook: str | None = None
    alert_webhook_secret: str | None = None
    alert_topic: str | None = None
    case: str | None = None
    require_case: bool = False

    def require_database(self) -> str:
        if not self.database_url:
            raise ConfigError("DATABASE_URL is not set (run `make up`, or export it)")
        return self.database_url

    def require_signing_key(self) -> Path:
        if self.signing_key is None:
            raise ConfigError("AUDITLOG_SIGNING_KEY is not set (the path of the checkpoint signing key)")
        return self.signing_key

    def require_broker(self) -> str:
        if not self.bootstrap_servers:
            raise ConfigError("KAFKA_BOOTSTRAP_SERVERS is not set (run `make up`, or export it)")
        return self.bootstrap_servers

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
        values = dict(read_env_file(env_file)) if env_file is not None else {}
        values.update(os.environ if environ is None else environ)
        database_url = values.get("DATABASE_URL") or None
        if database_url and not database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(f"DATABASE_URL: {database_url!r} is not a postgresql:// URL")
        bootstrap = values.get("KAFKA_BOOTSTRAP_SERVERS") or None
        if bootstrap and any(":" not in part for part in bootstrap.split(",")):
            raise ConfigError(f"KAFKA_BOOTSTRAP_SERVERS: {bootstrap!r} is not a host:port list")
        key = Path(values["AUDITLOG_SIGNING_KEY"]) if values.get("AUDITLOG_SIGNING_KEY") else None
        export = values.get("AUDITLOG_CHECKPOINT_EXPORT")
        origin = values.get("AUDITLOG_LOG_ORIGIN") or DEFAULT_ORIGIN
        if any(c.isspace() for c in origin) or "+" in origin:
            raise ConfigError(f"AUDITLOG_LOG_ORIGIN: {origin!r} must have no spaces and no '+' (it names a key)")
        trusted = values.get("AUDITLOG_TRUSTED_KEYS")
        rules = values.get("AUDITLOG_RULES")
        webhook = values.get("AUDITLOG_ALERT_WEBHOOK") or None
        if webhook and not webhook.startswith(("http://", "https://")):
            raise ConfigError(f"AUDITLOG_ALERT_WEBHOOK: {webhook!r} is not an http:// or https:// URL")
        secret = values.get("AUDITLOG_ALERT_WEBHOOK_SECRET") or None
        if webhook and not secret:
            raise ConfigError("AUDITLOG_ALERT_WEBHOOK_SECRET: must be set with AUDITLOG_ALERT_WEBHOOK "
                              "(receivers check each alert's signature with it)")
        return cls(
            database_url=database_url,
            bootstrap_servers=bootstrap,
            topic=values.get("AUDITLOG_TOPIC") or DEFAULT_TOPIC,
            group=values.get("AUDITLOG_GROUP") or DEFAULT_GROUP,
            partitions=_positive_int(values, "AUDITLOG_PARTITIONS", 6),
            signing_key=key,
            checkpoint_export=Path(export) if export else (key.parent / "checkpoints.jsonl" if key else None),
            checkpoint_every=_positive_int(values, "AUDITLOG_CHECKPOINT_EVERY", 10_000),
            checkpoint_seconds=_positive_int(values, "AUDITLOG_CHECKPOINT_SECONDS", 60),
            kafka_session_timeout_ms=_positive_int(values, "AUDITLOG_KAFKA_SESSION_TIMEOUT_MS", 6_000),
            metrics_port=_port(values, "AUDITLOG_METRICS_PORT"),
            metrics_host=values.get("AUDITLOG_METRICS_HOST") or "127.0.0.1",
            ready_lag_messages=_positive_int(values, "AUDITLOG_READY_LAG_MESSAGES", 10_000),
            ready_lag_rows=_positive_int(values, "AUDITLOG_READY_LAG_ROWS", 10_000),
            log_origin=origin,
            trusted_keys=Path(trusted) if trusted else (key.parent / "trusted.vkeys" if key else None),
            rules_file=Path(rules) if rules else None,
            alert_webhook=webhook,
            alert_webhook_secret=secret,
            alert_topic=values.get("AUDITLOG_ALERT_TOPIC") or None,
            case=_case(values),
            require_case=_flag(values, "AUDITLOG_REQUIRE_CASE"),
        )


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; blank lines and ``#`` comments are skipped."""
    if not path.exists():
        return {}
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _positive_int(values: Mapping[str, str], name: str, default: int) -> int:
    raw = values.get(name)
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}: {raw!r} is not a whole number") from exc
    if number < 1:
        raise ConfigError(f"{name}: must be at least 1, got {number}")
    return number


def _case(values: Mapping[str, str]) -> str | None:
    from auditlog.domain.access import parse_case
    from auditlog.domain.errors import BadInput

    try:
        return parse_case(values.get("AUDITLOG_CASE") or None)
    except BadInput as exc:
        raise ConfigError("AUDITLOG_CASE" + exc.reason.removeprefix("case")) from exc


def _flag(values: Mapping[str, str], name: str) -> bool:
    raw = (values.get(name) or "0").strip().lower()
    if raw not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"{name}: {raw!r} is not 0 or 1")
    return raw in ("1", "true", "yes")


def _port(values: Mapping[str, str], name: str) -> int | None:
    raw = values.get(name)
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 65535:
        raise ConfigError(f"{name}: {raw!r} is not a port number (0-65535)")
    return int(raw)

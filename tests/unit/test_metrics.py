"""The Prometheus hook and the metrics server of long-running consumers, and JSON logs."""

from __future__ import annotations

import io
import json
import logging
import urllib.error
import urllib.request

import pytest

from auditlog.consumers import logs
from auditlog.consumers.metrics import STUCK_FAILURES, MetricsServer, PrometheusMetrics
from auditlog.consumers.runner import Health
from auditlog.domain.settings import Settings
from auditlog.investigate.render.oncall import hexdump


def _get(server: MetricsServer, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://{server.host}:{server.port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_writers_calls_become_prefixed_prometheus_metrics() -> None:
    m = PrometheusMetrics()
    m.count("events_appended_total", 3)
    m.count("rejected_total", reason="not Avro")
    m.observe("batch_seconds", 0.02)
    m.gauge("partition_lag_messages", 7, partition="2")
    m.gauge("last_success_timestamp_seconds", 1.5e9)
    m.count("rejected_total", other="label")  # a bug in a caller: logged, never a crash
    text = m.text().decode()
    assert "auditlog_events_appended_total 3.0" in text
    assert 'auditlog_rejected_total{reason="not Avro"} 1.0' in text
    assert 'auditlog_batch_seconds_bucket{le="0.025"} 1.0' in text and "# TYPE auditlog_batch_seconds histogram" in text
    assert 'auditlog_partition_lag_messages{partition="2"} 7.0' in text
    assert "# HELP auditlog_partition_lag_messages messages in the topic's partition" in text


def test_readyz_says_why_not_and_healthz_turns_on_a_stuck_consumer() -> None:
    health = Health("writer")
    verdict: list[tuple[bool, str]] = [(False, "joining")]
    with MetricsServer(PrometheusMetrics(), health, lambda: verdict[0], port=0) as server:
        assert server.host == "127.0.0.1"  # loopback unless told otherwise
        assert _get(server, "/readyz") == (503, json.dumps({"ready": False, "consumer": "writer",
                                                            "reason": "joining"}) + "\n")
        verdict[0] = (True, "0 messages behind")
        assert _get(server, "/readyz")[0] == 200
        assert _get(server, "/healthz")[0] == 200
        health.failures = STUCK_FAILURES
        status, body = _get(server, "/healthz")
        assert status == 503 and json.loads(body)["alive"] is False
        assert _get(server, "/metrics")[0] == 200
        assert _get(server, "/admin")[0] == 404


def test_a_failing_readiness_check_is_a_503_with_its_reason_never_a_500() -> None:
    def broken() -> tuple[bool, str]:
        raise RuntimeError("Postgres went away")

    with MetricsServer(PrometheusMetrics(), Health("projector"), broken, port=0) as server:
        status, body = _get(server, "/readyz")
    assert status == 503 and "Postgres went away" in json.loads(body)["reason"]


def test_json_logs_are_one_object_a_line_with_extras_and_tracebacks() -> None:
    out = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        logs.configure("json", stream=out)
        log = logging.getLogger("auditlog.test")
        log.info("appended %d", 5, extra={"partition": 2})
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "appended 5" and first["partition"] == 2 and first["level"] == "info"
    assert first["time"].endswith("+00:00")
    assert "ValueError: bad" in second["exception"]
    with pytest.raises(ValueError, match="xml"):
        logs.configure("xml")


def test_metrics_settings_default_to_none_and_loopback() -> None:
    s = Settings.load({}, None)
    assert (s.metrics_port, s.metrics_host) == (None, "127.0.0.1")
    assert Settings.load({"AUDITLOG_METRICS_PORT": "9100"}, None).metrics_port == 9100


def test_hexdump_shows_offsets_bytes_and_printable_text() -> None:
    assert hexdump(b'{"json": 1}\x00\xff') == [
        '00000000  7b 22 6a 73 6f 6e 22 3a 20 31 7d 00 ff           |{"json": 1}..|']

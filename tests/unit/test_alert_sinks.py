"""The webhook's signature and the delivery backoff, as receivers and operators rely on them."""

from __future__ import annotations

import hashlib
import hmac

from auditlog.consumers.alert_sinks import MAX_BACKOFF_S, backoff_s, body_of, configured_sinks, signature
from auditlog.domain.settings import Settings


def test_the_signature_is_the_hex_hmac_sha256_of_the_exact_body() -> None:
    body = body_of({"id": 7, "summary": "Zoë ☃", "rule": "protected-change"})
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature("s3cret", body) == expected
    assert signature("s3cret", body + b" ") != expected
    assert signature("other", body) != expected


def test_the_body_is_the_same_bytes_for_the_same_alert() -> None:
    assert body_of({"b": 1, "a": [1, 2]}) == body_of({"a": [1, 2], "b": 1}) == b'{"a":[1,2],"b":1}'


def test_backoff_doubles_then_stays_at_the_cap() -> None:
    delays = [backoff_s(n) for n in range(1, 12)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert delays[-1] == MAX_BACKOFF_S


def test_only_the_configured_sinks_get_outbox_rows() -> None:
    none = Settings.load({}, None)
    both = Settings.load({"AUDITLOG_ALERT_WEBHOOK": "http://127.0.0.1:9/h", "AUDITLOG_ALERT_WEBHOOK_SECRET": "x",
                          "AUDITLOG_ALERT_TOPIC": "alerts"}, None)
    assert configured_sinks(none) == ()
    assert configured_sinks(both) == ("webhook", "topic")

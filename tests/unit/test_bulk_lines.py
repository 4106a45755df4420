import json

import pytest

from auditlog.domain.errors import InvalidEvent
from auditlog.producers.bulk import parse_line

LINE = {"actor": {"id": "c-17", "kind": "contractor"}, "action": "account.deactivate",
        "target": {"type": "account", "id": "a-1"}, "occurred_at": "2017-11-02T22:58:02Z",
        "reason": "user report"}


def test_the_documented_line_format_parses_and_gets_an_event_id() -> None:
    event = parse_line(json.dumps(LINE))
    assert (event.actor.id, event.action, event.target.id, event.reason) == (
        "c-17", "account.deactivate", "a-1", "user report")
    assert len(event.event_id) == 36 and event.occurred_at.utcoffset() is not None


def test_a_missing_target_type_comes_from_the_catalog() -> None:
    line = {**LINE, "action": "content.delete", "target": {"id": "post-1"}}
    assert parse_line(json.dumps(line)).target.type == "content"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{oops", "not JSON"),
        (json.dumps({**LINE, "actor": {"id": "c-17", "kind": "intern"}}), "actor.kind"),
        (json.dumps({**LINE, "occurred_at": "2017-11-02T18:58:02"}), "occurred_at: time has no UTC offset"),
        (json.dumps({**LINE, "action": "account.explode"}), "action"),
        (json.dumps([1, 2]), "expected an object"),
    ],
)
def test_a_bad_line_says_why(line: str, reason: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_line(line)
    assert reason in caught.value.reason

from dataclasses import replace
from datetime import datetime

import pytest

from auditlog.domain.errors import InvalidEvent
from auditlog.domain.model import Actor, Target
from auditlog.domain.plain import from_plain, to_plain
from tests.factories import event


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"occurred_at": datetime(2017, 11, 2, 18, 58)}, "occurred_at"),
        ({"actor": Actor("c-17", "intern")}, "actor.kind"),
        ({"actor": Actor(" ", "employee")}, "actor.id"),
        ({"action": "account.explode"}, "action"),
        ({"target": Target("content", "a-1")}, "target.type"),
        ({"target": Target("account", "")}, "target.id"),
        ({"reason": "nothing\x00to see"}, "reason"),
        ({"actor": Actor("c-17", "contractor", display_name="C\x00")}, "actor.display_name"),
    ],
)
def test_validate_names_the_bad_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        replace(event(), **change).validate()  # type: ignore[arg-type]
    assert caught.value.reason.startswith(field + ":")


def test_a_valid_event_survives_the_plain_round_trip() -> None:
    original = event(reason="user report", ticket="SUP-1").validate()
    assert from_plain(to_plain(original, iso_times=True)) == original
    assert from_plain(to_plain(original)) == original


def test_plain_form_refuses_missing_parts_and_naive_times() -> None:
    data = to_plain(event(), iso_times=True)
    with pytest.raises(InvalidEvent, match="actor"):
        from_plain({**data, "actor": None})
    with pytest.raises(InvalidEvent, match="occurred_at"):
        from_plain({**data, "occurred_at": "2017-11-02T18:58:02"})
    with pytest.raises(InvalidEvent, match="occurred_at"):
        from_plain({**data, "occurred_at": "yesterday"})


def test_plain_form_can_make_an_event_id() -> None:
    data = to_plain(event(), iso_times=True)
    del data["event_id"]
    made = from_plain(data, make_event_id=True).validate()
    assert len(made.event_id) == 36


def test_readers_keep_an_action_from_a_newer_writer_that_producers_would_refuse() -> None:
    newer = replace(event(), action="account.memorialize")
    with pytest.raises(InvalidEvent, match="action"):
        newer.validate()
    assert newer.validate(strict=False) is newer

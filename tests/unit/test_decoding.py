"""The writer's decoding: each message value becomes ledger columns or a one-line reason, in order."""

from __future__ import annotations

import json
import uuid

from auditlog.consumers.decoding import Decoder, prepare
from auditlog.domain.plain import from_plain
from auditlog.ledger import chain
from auditlog.ledger.append import EventColumns
from auditlog.schemas.codec import encode
from tests.factories import event

TOPIC = "admin-actions"


def test_values_become_columns_or_reasons_in_their_order() -> None:
    good = event(reason="user report", ticket="SUP-1")
    values = [encode(good), None, b"\x00garbage", encode(event())[:-3]]
    prepared = prepare(TOPIC, values)
    assert len(prepared) == 4
    columns = prepared[0]
    assert isinstance(columns, EventColumns)
    assert (columns.event_id, columns.actor_id, columns.target_id, columns.reason, columns.ticket) == (
        good.event_id, good.actor.id, good.target.id, "user report", "SUP-1")
    assert columns.occurred_us == chain.micros(good.occurred_at)
    assert columns.schema_fingerprint == values[0][2:10]  # type: ignore[index]
    assert from_plain(json.loads(columns.payload)) == good
    assert prepared[1] == "empty message (no value)"
    assert isinstance(prepared[2], str) and "C3 01" in prepared[2]
    assert isinstance(prepared[3], str) and "corrupt Avro body" in prepared[3]


def test_the_tail_is_the_chain_tail_of_the_row_to_be_stored() -> None:
    good = event()
    raw = encode(good)
    columns = prepare(TOPIC, [raw])[0]
    assert isinstance(columns, EventColumns)
    assert columns.tail == chain.tail((
        uuid.UUID(good.event_id), TOPIC, good.actor.id, good.actor.kind, good.actor.org, good.action,
        good.target.type, good.target.id, good.reason, good.ticket, columns.payload, raw, raw[2:10]))


def test_a_decoder_process_gives_what_decoding_in_place_gives() -> None:
    values = [encode(event(target=f"a-{n}")) for n in range(50)] + [b"junk"]
    decoder = Decoder(workers=1)
    try:
        remote = decoder.submit(TOPIC, values).result(timeout=60)
    finally:
        decoder.close()
    assert remote == prepare(TOPIC, values)
    inline = Decoder(workers=0)
    assert inline.submit(TOPIC, values).result() == remote

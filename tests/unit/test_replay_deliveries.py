"""The replay's bookkeeping of librdkafka's delivery callbacks (``producers/replay._Deliveries``):
callbacks come per partition, not in send order, and the acknowledged prefix must have no gap;
a refusal stops the prefix (the run may resume after it), a restored message at another offset
is a different failure (running again cannot help). The callbacks are called here as librdkafka
calls them, with its two arguments; the broker itself is exercised in tests/integration/test_oncall.py
and tests/faults/test_interrupted_replay.py."""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.producers.replay import _Deliveries


@dataclass
class _Delivered:  # what librdkafka hands a delivery callback: offset() and partition()
    at: int
    part: int = 0

    def offset(self) -> int:
        return self.at

    def partition(self) -> int:
        return self.part


class _Refused:
    def str(self) -> str:
        return "Local: Message timed out"


def test_the_prefix_grows_only_over_messages_acknowledged_with_no_gap() -> None:
    deliveries = _Deliveries(check_offsets=False)
    callbacks = [deliveries.sent(seq, offset) for seq, offset in ((10, 0), (11, 1), (12, 2), (13, 3))]
    callbacks[1](None, _Delivered(1))  # another partition answered first
    callbacks[3](None, _Delivered(3))
    assert deliveries.settle() == [] and len(deliveries) == 4
    callbacks[0](None, _Delivered(0))
    assert deliveries.settle() == [10, 11]
    callbacks[2](None, _Delivered(2))
    assert deliveries.settle() == [12, 13] and len(deliveries) == 0
    later = deliveries.sent(14, 4)  # ordinals go on after the deque was emptied
    later(None, _Delivered(4))
    assert deliveries.settle() == [14]


def test_a_refused_message_stops_the_prefix_and_is_said_once() -> None:
    deliveries = _Deliveries(check_offsets=False)
    first, second, third = (deliveries.sent(seq, seq) for seq in (1, 2, 3))
    first(None, _Delivered(1))
    second(_Refused(), None)
    third(_Refused(), None)
    assert deliveries.settle() == [1]
    assert deliveries.failed and deliveries.failure == "the broker refused or lost a message: Local: Message timed out"
    assert deliveries.foreign is None


def test_a_restored_message_at_another_offset_is_foreign_not_resumable() -> None:
    deliveries = _Deliveries(check_offsets=True)
    deliveries.sent(1, 7)(None, _Delivered(7, 2))
    deliveries.sent(2, 8)(None, _Delivered(9, 2))
    assert deliveries.settle() == [1]
    assert deliveries.failure is None and deliveries.foreign == (
        "the broker put the message of offset 8 at offset 9 of partition 2: another producer is writing to this topic")
    unchecked = _Deliveries(check_offsets=False)  # a replay does not care where its copies land
    unchecked.sent(1, 8)(None, _Delivered(9))
    assert unchecked.settle() == [1] and not unchecked.failed

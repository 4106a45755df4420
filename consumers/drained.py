"""``--until-idle``: is every partition of the topic in the ledger up to its log end,
whichever group member holds it?

Only the ledger's offsets count (a member killed with -9 still holds its partitions in the
group until its session times out, and nothing it fetched is in the ledger), and only a
fetch response's high watermark counts as a log end (``producers/broker_log.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.ledger.gateway import Ledger
from auditlog.producers.broker_log import BrokerLog


@dataclass(frozen=True)
class Drain:
    done: bool
    behind: dict[int, int]  # partition -> messages the ledger has not stored yet
    past_end: list[int]  # partitions the ledger has read past the broker's log end (recreated?)


def drain_state(ledger: Ledger, broker: BrokerLog, topic: str, group: str) -> Drain:
    logs = broker.ends(topic)
    with ledger.reading() as unit:
        stored = unit.stored_offsets(group, topic)
        latest = unit.latest_incarnations(topic)
    behind: dict[int, int] = {}
    past_end: list[int] = []
    for partition, log in logs.items():
        mine = stored.get(partition)
        # not read yet, in the incarnation the broker has now: its log start
        unread = mine is None or mine.incarnation < latest.get(partition, 0)
        position = log.start if unread else mine.next_offset
        if position > log.end:
            past_end.append(partition)
        elif position < log.end:
            behind[partition] = log.end - max(position, log.start)
    return Drain(not behind and not past_end, behind, past_end)

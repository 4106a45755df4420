"""Hypothesis strategies for valid admin actions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from auditlog.domain.catalog import ACTIONS, ActorKind
from auditlog.domain.model import Actor, AdminAction, Approval, Change, Source, Target

# any text Postgres can store: everything but NUL (which validation refuses)
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               min_size=1, max_size=20).filter(str.strip)
maybe = st.none() | text
moments = st.integers(0, 2**50).map(lambda us: datetime(1990, 1, 1, tzinfo=UTC) + timedelta(microseconds=us))


@st.composite
def admin_actions(draw: st.DrawFn, with_approval: bool = True) -> AdminAction:
    action = draw(st.sampled_from(sorted(ACTIONS)))
    actor = Actor(draw(text), draw(st.sampled_from([k.value for k in ActorKind])),
                  draw(maybe), draw(maybe), draw(maybe), draw(maybe), draw(maybe))
    approval = None
    if with_approval and draw(st.booleans()):
        approval = Approval(draw(text.filter(lambda a: a != actor.id)), draw(moments))
    return AdminAction(
        event_id=str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)), version=4)),
        occurred_at=draw(moments),
        actor=actor,
        action=action,
        target=Target(ACTIONS[action].value, draw(text), draw(maybe)),
        reason=draw(maybe),
        ticket=draw(maybe),
        changes=tuple(Change(f, o, n) for f, o, n in draw(st.lists(st.tuples(text, maybe, maybe), max_size=3))),
        source=draw(st.none() | st.builds(Source, text, maybe, maybe)),
        correlation_id=draw(maybe),
        causation_id=draw(maybe),
        approval=approval,
    )

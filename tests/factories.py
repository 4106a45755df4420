"""Small builders of valid events for tests."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.model import Actor, AdminAction, Target, new_event_id


def event(
    action: str = "account.deactivate",
    target: str = "a-1",
    at: datetime | str = "2017-11-02T22:58:02+00:00",
    actor: str = "c-17",
    kind: str = "contractor",
    **extra: object,
) -> AdminAction:
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    target_type = action.split(".", 1)[0]
    return AdminAction(
        event_id=new_event_id(),
        occurred_at=when.astimezone(UTC),
        actor=Actor(actor, kind, org="vendor-b" if kind == "contractor" else "socialco"),
        action=action,
        target=Target(target_type, target, f"@{target}"),
        **extra,  # type: ignore[arg-type]
    )

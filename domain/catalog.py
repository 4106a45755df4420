"""The catalog of admin actions auditlog understands.

Readers must survive actions they do not know (a newer writer may add some), so
the fold ignores unknown names instead of failing; ``is_known`` lets validation
decide separately whether a *producer* may emit one.
"""

from __future__ import annotations

from enum import StrEnum


class TargetType(StrEnum):
    ACCOUNT = "account"
    ACTOR = "actor"
    CONTENT = "content"


class ActorKind(StrEnum):
    EMPLOYEE = "employee"
    CONTRACTOR = "contractor"
    SERVICE = "service"
    SYSTEM = "system"


# action name -> the kind of target it applies to
ACTIONS: dict[str, TargetType] = {
    "account.create": TargetType.ACCOUNT,
    "account.deactivate": TargetType.ACCOUNT,
    "account.reactivate": TargetType.ACCOUNT,
    "account.suspend": TargetType.ACCOUNT,
    "account.unsuspend": TargetType.ACCOUNT,
    "account.protect": TargetType.ACCOUNT,
    "account.unprotect": TargetType.ACCOUNT,
    "account.update": TargetType.ACCOUNT,
    "account.verify": TargetType.ACCOUNT,
    "account.unverify": TargetType.ACCOUNT,
    "account.password_reset": TargetType.ACCOUNT,
    "content.delete": TargetType.CONTENT,
    "actor.onboard": TargetType.ACTOR,
    "actor.offboard": TargetType.ACTOR,
    "actor.role_grant": TargetType.ACTOR,
    "actor.role_revoke": TargetType.ACTOR,
}


def is_known(action: str) -> bool:
    return action in ACTIONS


def target_type_of(action: str) -> TargetType | None:
    return ACTIONS.get(action)

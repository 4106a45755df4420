"""``Judge``: the pure detection engine the live detector and the backtest both drive.

It takes events in ledger (feed) order, the order the ledger learned them, which is not
event-time order: a late event may be older than ones already judged. For each event it
evaluates the rules against the states it holds (the target account just before, the acting
actor, the actor's activity), then folds the event into them.

Memory: one ``AccountState`` per account, one ``ActorState`` and ``ActorActivity`` per actor
(the activity trimmed to two burst windows). It keeps no actions: when an offboarding arrives
that may make actions the ledger already holds illegitimate (rule 2, late), the judge leaves a
``LateCheck`` (``take_late_checks``); its caller finds that actor's actions since then that came
before the offboarding in the ledger, and ``late_findings`` judges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.domain.account import AccountState, apply
from auditlog.domain.activity import ActorActivity, observe
from auditlog.domain.actor import ActorState, apply_actor
from auditlog.domain.model import AdminAction
from auditlog.domain.rules import (
    AFTER_ENGAGEMENT,
    BURST,
    LAST_DAY,
    Finding,
    RuleContext,
    every_finding,
    gone,
    late_after_engagement,
    late_last_day,
    may_raise,
)
from auditlog.domain.rules_config import RulesConfig

# the activity must hold two burst windows: the window ending at this event and the one ending at
# the actor's previous destructive action (how a burst already raised is recognised)
_WINDOWS_KEPT = 2


_NO_CHECKS: list[LateCheck] = []  # never appended to: take_late_checks returns it only when empty


class Judge:
    def __init__(self, config: RulesConfig) -> None:
        self.config = config
        self.accounts: dict[str, AccountState] = {}
        self.actors: dict[str, ActorState] = {}
        self.activities: dict[str, ActorActivity] = {}
        self.horizon = timedelta(minutes=config.rule(BURST).number("window_minutes")) * _WINDOWS_KEPT
        self._late: list[LateCheck] = []

    def judge(self, event: AdminAction) -> list[Finding]:
        """The findings this event raises, then the event folded into the states. An offboarding
        also leaves a ``LateCheck`` for the actions it may make illegitimate."""
        acting = event.actor.id
        actor = self.actors.get(acting)
        if actor is None:  # kept, not made again for each of their actions (the backtest's every event)
            actor = self.actors[acting] = ActorState(acting)
        activity = self.activities.get(acting) or ActorActivity(acting)
        target_before = self._account_before(event)
        # the context only where a rule may hold: most events of a day need none (may_raise)
        findings = (every_finding(RuleContext(event, target_before, actor, activity), self.config)
                    if may_raise(event, target_before, actor) else [])
        if event.action == "actor.offboard":
            check = self._late_check(event)
            if check is not None:
                self._late.append(check)
        self._fold(event, target_before, activity)
        return findings

    def take_late_checks(self) -> list[LateCheck]:
        """The checks left since the last call (the caller answers each with ``late_findings``)."""
        if not self._late:  # asked after every event: no new list for the usual nothing
            return _NO_CHECKS
        checks, self._late = self._late, []
        return checks

    def late_findings(self, check: LateCheck, actions: Iterable[AdminAction]) -> list[Finding]:
        """After-engagement findings, marked late, for ``actions`` (the actor's, from ``check.since``,
        held before the offboarding) that the actor's state before it did not count as gone."""
        rule = self.config.rule(AFTER_ENGAGEMENT)
        actions = list(actions)
        unflagged = [action for action in actions if not gone(check.before, action.occurred_at, rule)]
        return (late_after_engagement(check.after, unflagged, self.config)
                + late_last_day(check.before, check.after, actions, self._protected, self.config))

    def _protected(self, account: str) -> bool:
        state = self.accounts.get(account)
        return state is not None and state.protected

    def warm(self, event: AdminAction) -> None:
        """Fold the event into the states without judging it (rebuilding state on restart)."""
        acting = event.actor.id
        self._fold(event, self._account_before(event), self.activities.get(acting) or ActorActivity(acting))

    def _fold(self, event: AdminAction, target_before: AccountState | None, activity: ActorActivity) -> None:
        if target_before is not None:
            self.accounts[event.target.id] = apply(target_before, event)
        elif event.target.type == "actor":
            state = self.actors.get(event.target.id) or ActorState(event.target.id)
            self.actors[event.target.id] = apply_actor(state, event)
        observed = observe(activity, event, target_before, self.horizon)
        if observed is not activity:  # most actions change nothing of it
            self.activities[event.actor.id] = observed

    def _account_before(self, event: AdminAction) -> AccountState | None:
        if event.target.type != "account":
            return None
        return self.accounts.get(event.target.id) or AccountState(event.target.id)

    def _late_check(self, event: AdminAction) -> LateCheck | None:
        if event.action != "actor.offboard" or event.target.type != "actor":
            return None
        before = self.actors.get(event.target.id) or ActorState(event.target.id)
        after = apply_actor(before, event)
        if after.engagement_end is None:
            return None
        starts = []  # where each late rule's actions begin
        gone_rule, last_rule = self.config.rule(AFTER_ENGAGEMENT), self.config.rule(LAST_DAY)
        if gone_rule.enabled:
            starts.append(after.engagement_end)
            if gone_rule.flag("offboarded_counts") and after.offboarded_at is not None:
                starts.append(after.offboarded_at)
        if last_rule.enabled and after.engagement_end != before.engagement_end:
            starts.append(after.engagement_end - timedelta(hours=last_rule.number("within_hours")))
        if not starts:
            return None
        return LateCheck(event.event_id, event.target.id, before, after, min(starts))


@dataclass(frozen=True, slots=True)
class LateCheck:
    """An offboarding (``event_id``) of ``actor_id``: their actions from ``since`` on that the ledger
    held before it may now be after their engagement (rule 2, late) or on its last day (rule 3,
    late)."""

    event_id: str
    actor_id: str
    before: ActorState
    after: ActorState
    since: datetime


def judge_all(config: RulesConfig, events: Iterable[AdminAction]) -> list[Finding]:
    """Every finding over ``events`` (in ledger order) with late checks answered from the events
    themselves: a whole day in memory (``rules explain``, the false-alarm figure, tests). The
    detector and the backtest answer them from the ledger instead."""
    judge = Judge(config)
    seen: list[AdminAction] = []
    findings: list[Finding] = []
    for event in events:
        findings += judge.judge(event)
        for check in judge.take_late_checks():
            held = [a for a in seen if a.actor.id == check.actor_id and a.occurred_at >= check.since]
            findings += judge.late_findings(check, held)
        seen.append(event)
    return findings

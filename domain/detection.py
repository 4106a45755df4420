"""``Judge``: the pure detection engine the live detector and the backtest both drive.

It takes events in ledger (feed) order, the order the ledger learned them, which is not
event-time order: a late event may be older than ones already judged. For each event it
evaluates the rules against the states it holds (the target account just before, the acting
actor, the actor's activity), then folds the event into them.

Memory: one ``AccountState`` per account, one ``ActorState`` and ``ActorActivity`` per actor
(the activity trimmed to the burst window), and per actor the actions of the last
``late_lookback_days`` (after-engagement's key, default 30) before their newest action: when
an offboarding arrives whose engagement_end precedes actions already judged, those actions are
flagged then (``late_after_engagement``). An offboarding that arrives later than that lookback
after the actions it concerns is not caught here.
"""

from __future__ import annotations

from datetime import timedelta

from auditlog.domain.account import AccountState, apply
from auditlog.domain.activity import ActorActivity, observe
from auditlog.domain.actor import ActorState, apply_actor
from auditlog.domain.model import AdminAction
from auditlog.domain.rules import AFTER_ENGAGEMENT, BURST, Finding, RuleContext, evaluate, gone, late_after_engagement
from auditlog.domain.rules_config import RulesConfig

# the activity must hold two burst windows: the window ending at this event and the one ending at
# the actor's previous destructive action (how a burst already raised is recognised)
_WINDOWS_KEPT = 2


class Judge:
    def __init__(self, config: RulesConfig) -> None:
        self.config = config
        self.accounts: dict[str, AccountState] = {}
        self.actors: dict[str, ActorState] = {}
        self.activities: dict[str, ActorActivity] = {}
        self.recent: dict[str, list[AdminAction]] = {}  # per actor: their actions within the lookback
        self.horizon = timedelta(minutes=config.rule(BURST).number("window_minutes")) * _WINDOWS_KEPT
        self.lookback = timedelta(days=config.rule(AFTER_ENGAGEMENT).number("late_lookback_days"))

    def judge(self, event: AdminAction) -> list[Finding]:
        """The findings this event raises (and, for a late offboarding, those of the actions it
        makes illegitimate), then the event folded into the states."""
        actor = self.actors.get(event.actor.id) or ActorState(event.actor.id)
        activity = self.activities.get(event.actor.id) or ActorActivity(event.actor.id)
        findings = evaluate(RuleContext(event, self._account_before(event), actor, activity), self.config)
        findings += self._late_offboarding(event)
        self.warm(event)
        return findings

    def warm(self, event: AdminAction) -> None:
        """Fold the event into the states without judging it (rebuilding state on restart)."""
        target_before = self._account_before(event)
        if target_before is not None:
            self.accounts[event.target.id] = apply(target_before, event)
        elif event.target.type == "actor":
            state = self.actors.get(event.target.id) or ActorState(event.target.id)
            self.actors[event.target.id] = apply_actor(state, event)
        acting = event.actor.id
        activity = self.activities.get(acting) or ActorActivity(acting)
        self.activities[acting] = observe(activity, event, target_before, self.horizon)
        self._remember(event)

    def _account_before(self, event: AdminAction) -> AccountState | None:
        if event.target.type != "account":
            return None
        return self.accounts.get(event.target.id) or AccountState(event.target.id)

    def _late_offboarding(self, event: AdminAction) -> list[Finding]:
        """After-engagement findings for actions judged before this offboarding told their actor was gone.
        Actions the actor's previous state already counted as gone were flagged then."""
        if event.action != "actor.offboard" or event.target.type != "actor":
            return []
        before = self.actors.get(event.target.id) or ActorState(event.target.id)
        after = apply_actor(before, event)
        if after.engagement_end is None:
            return []
        rule = self.config.rule(AFTER_ENGAGEMENT)
        unflagged = [action for action in self.recent.get(event.target.id, ())
                     if not gone(before, action.occurred_at, rule)]
        return late_after_engagement(after, unflagged, self.config)

    def _remember(self, event: AdminAction) -> None:
        kept = self.recent.setdefault(event.actor.id, [])
        kept.append(event)
        if event.occurred_at - kept[0].occurred_at > self.lookback or len(kept) % 256 == 0:
            # trim against the newest action; in ledger order, so an old late action may sit
            # among newer ones until the next trim
            newest = max(action.occurred_at for action in kept)
            self.recent[event.actor.id] = [a for a in kept if newest - a.occurred_at <= self.lookback]

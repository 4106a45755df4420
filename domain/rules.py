"""The detector's rules, as pure functions of one event and the states just before it.

``evaluate`` runs every enabled rule on a ``RuleContext`` and returns its ``Finding``s,
with the configuration's severities and allowlists applied. Nothing here reads a clock,
a database or a broker: the live detector and the backtest (``domain.detection.Judge``)
feed the same functions, so a backtest finds exactly what the detector would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditlog.domain.account import AccountState, Status
from auditlog.domain.activity import DESTRUCTIVE, ActorActivity
from auditlog.domain.actor import ActorState, Employment
from auditlog.domain.model import AdminAction
from auditlog.domain.rules_config import RuleConfig, RulesConfig
from auditlog.domain.severity import Severity, rank

__all__ = ["RULES", "Finding", "Rule", "RuleContext", "Severity", "evaluate", "late_after_engagement", "rank"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One alert a rule raises for one event."""

    rule: str
    severity: Severity
    event_id: str
    actor_id: str
    target_id: str
    occurred_at: datetime
    summary: str  # one line naming actor, action, target and why
    related_event_id: str | None = None  # quick-reversal: the event it undid
    late: bool = False  # raised when an offboarding arrived after the action


@dataclass(frozen=True, slots=True)
class RuleContext:
    event: AdminAction
    target: AccountState | None  # the target account just before the event; None when not an account
    actor: ActorState  # the acting actor, folded up to (not including) the event
    activity: ActorActivity  # the acting actor's own actions before the event


Check = Callable[[RuleContext, RuleConfig], "str | tuple[str, str] | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: Severity  # the default; the rules file may change it
    description: str  # what an investigator reads in `auditlog rules explain`
    check: Check  # the summary when the rule holds, or (summary, related event id); None when not


# -- wording --------------------------------------------------------------------------------------

_VERBS = {"account.create": "created", "account.deactivate": "deactivated", "account.reactivate": "reactivated",
          "account.suspend": "suspended", "account.unsuspend": "unsuspended", "account.protect": "protected",
          "account.unprotect": "unprotected", "account.update": "updated", "account.verify": "verified",
          "account.unverify": "unverified", "account.password_reset": "reset the password of",
          "content.delete": "deleted", "actor.onboard": "onboarded", "actor.offboard": "offboarded",
          "actor.role_grant": "granted a role to", "actor.role_revoke": "revoked a role of"}


def _who(event: AdminAction) -> str:
    """``c-vb-07 (contractor, vendor-b)``: the actor as an investigator wants them named."""
    about = ", ".join(part for part in (event.actor.kind, event.actor.org) if part)
    return f"{event.actor.id} ({about})" if about else event.actor.id


def _did(event: AdminAction, protected: bool = False) -> str:
    """``deactivated protected account acct-hos-0001``."""
    verb = _VERBS.get(event.action, f"did {event.action} on")
    kind = ("protected " if protected else "") + event.target.type
    return f"{verb} {kind} {event.target.id}"


def _clock(delta: timedelta) -> str:
    """``11m12s``, ``2h03m``, ``45s``: a short span for a one-line summary."""
    seconds = int(delta.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _minutes(config: RuleConfig, name: str) -> timedelta:
    return timedelta(minutes=config.number(name))


# -- 1. protected-change ----------------------------------------------------------------------------

_PROTECTION_ACTIONS = frozenset({"account.deactivate", "account.suspend", "account.unprotect"})


def _changes_protection(event: AdminAction) -> bool:
    return event.action in _PROTECTION_ACTIONS or (event.action == "account.update"
                                                   and event.change("handle") is not None)


def protected_change(ctx: RuleContext, config: RuleConfig) -> str | None:
    event = ctx.event
    if ctx.target is None or not ctx.target.protected or not _changes_protection(event):
        return None
    why = []
    if event.actor.kind == "contractor":
        why.append("by a contractor")
    if not (event.ticket or "").strip():
        why.append("without a ticket")
    if config.flag("require_approval") and event.approval is None:
        why.append("without a second person's approval")
    if not why:
        return None
    return f"{_who(event)} {_did(event, protected=True)} {_joined(why)}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- 2. after-engagement ------------------------------------------------------------------------------


def gone(actor: ActorState, at: datetime, config: RuleConfig) -> bool:
    """Gone at ``at``: past the engagement end, or (``offboarded_counts``) offboarded before it."""
    if actor.employment(at) is Employment.OFFBOARDED:
        return True
    return config.flag("offboarded_counts") and actor.offboarded_at is not None and actor.offboarded_at <= at


def after_engagement(ctx: RuleContext, config: RuleConfig) -> str | None:
    event, actor = ctx.event, ctx.actor
    if not gone(actor, event.occurred_at, config):
        return None
    return _after_summary(event, actor)


def _after_summary(event: AdminAction, actor: ActorState) -> str:
    if actor.engagement_end is not None and event.occurred_at >= actor.engagement_end:
        late = event.occurred_at - actor.engagement_end
        return (f"{_who(event)} {_did(event)} {_clock(late)} after their engagement ended "
                f"({actor.engagement_end.isoformat()})")
    assert actor.offboarded_at is not None  # gone() holds
    ends = f"; engagement ends {actor.engagement_end.isoformat()}" if actor.engagement_end else ""
    return (f"{_who(event)} {_did(event)} {_clock(event.occurred_at - actor.offboarded_at)} after being "
            f"offboarded ({actor.offboarded_at.isoformat()}{ends})")


def late_after_engagement(actor: ActorState, actions: Iterable[AdminAction], config: RulesConfig) -> list[Finding]:
    """Rule 2 for actions the ledger held before it learned of the offboarding: each action of
    ``actor`` at or after their engagement_end, as a finding marked ``late``."""
    rule = config.rule(AFTER_ENGAGEMENT)
    if not rule.enabled or actor.engagement_end is None:
        return []
    findings = []
    for event in actions:
        if event.actor.id != actor.actor_id or not gone(actor, event.occurred_at, rule):
            continue
        if rule.allows(event.actor.id, event.target.id):
            continue
        summary = _after_summary(event, actor) + "; the offboarding reached the ledger later"
        findings.append(_finding(AFTER_ENGAGEMENT, rule, event, summary, late=True))
    return findings


# -- 3. last-day --------------------------------------------------------------------------------------


def last_day(ctx: RuleContext, config: RuleConfig) -> str | None:
    event, end = ctx.event, ctx.actor.engagement_end
    if ctx.target is None or not ctx.target.protected or end is None:
        return None
    left = end - event.occurred_at
    if not timedelta(0) < left <= timedelta(hours=config.number("within_hours")):
        return None
    return f"{_who(event)} {_did(event, protected=True)} {_clock(left)} before their engagement ends"


def late_last_day(before: ActorState, after: ActorState, actions: Iterable[AdminAction],
                  protected: Callable[[str], bool], config: RulesConfig) -> list[Finding]:
    """Rule 3 for actions the ledger held before it learned of the engagement's end (it travels
    on the actor's partition, the action on the account's, so it may land later): each action of
    the actor on a protected account within ``within_hours`` before the end that the state
    before did not already place there, marked ``late``. ``protected``: as the judge knows the
    account now (an account's flag is rarely changed; its flag at the action is not kept)."""
    rule = config.rule(LAST_DAY)
    end = after.engagement_end
    if not rule.enabled or end is None or end == before.engagement_end:
        return []
    window = timedelta(hours=rule.number("within_hours"))
    findings = []
    for event in actions:
        if event.actor.id != after.actor_id or event.target.type != "account" or not protected(event.target.id):
            continue
        left = end - event.occurred_at
        if not timedelta(0) < left <= window or rule.allows(event.actor.id, event.target.id):
            continue
        if before.engagement_end is not None and timedelta(0) < before.engagement_end - event.occurred_at <= window:
            continue  # raised when it was judged
        summary = (f"{_who(event)} {_did(event, protected=True)} {_clock(left)} before their engagement ends; "
                   "the engagement's end reached the ledger later")
        findings.append(_finding(LAST_DAY, rule, event, summary, late=True))
    return findings


# -- 4. quick-reversal ---------------------------------------------------------------------------------

_UNDOES = {"account.reactivate": "account.deactivate", "account.unsuspend": "account.suspend"}
_UNDONE_WORD = {"account.deactivate": "deactivated", "account.suspend": "suspended"}


def quick_reversal(ctx: RuleContext, config: RuleConfig) -> tuple[str, str] | None:
    event, target = ctx.event, ctx.target
    if target is None or event.action not in _UNDOES or target.status is Status.ACTIVE:
        return None  # only a change that really brings the account back counts
    undone = target.status_since
    if undone is None or undone.action not in _UNDONE_WORD or undone.actor_id == event.actor.id:
        return None
    held = event.occurred_at - undone.occurred_at
    if not timedelta(0) <= held <= _minutes(config, "within_minutes"):
        return None
    return (f"{event.target.id} {_UNDONE_WORD[undone.action]} {_clock(held)} by {undone.actor_id}, "
            f"restored by {event.actor.id}", undone.event_id)


# -- 5. burst -------------------------------------------------------------------------------------------


def burst_threshold(activity: ActorActivity, window_start: datetime, in_window: int, config: RuleConfig) -> float:
    """The count a window must exceed: the floor, or ``factor`` x the actor's usual count per window
    when that is higher. Usual: destructive actions before the window over the time the actor was
    seen before it, in windows; an actor seen for less than ``history_hours`` has no usual yet."""
    floor = config.number("floor")
    first = activity.first_seen
    if first is None or window_start - first < timedelta(hours=config.number("history_hours")):
        return floor
    window = _minutes(config, "window_minutes")
    windows_seen = (window_start - first) / window
    before = max(activity.destructive_total - in_window, 0)
    return max(floor, config.number("factor") * before / windows_seen)


def burst(ctx: RuleContext, config: RuleConfig) -> str | None:
    """Raised once per burst: when this event takes the window over the threshold and the actor's
    previous destructive action's window was not over it. A burst that goes on raises nothing more;
    one that falls back under the threshold and crosses again is a new burst."""
    event, activity = ctx.event, ctx.activity
    if event.action not in DESTRUCTIVE:
        return None
    window = _minutes(config, "window_minutes")
    at = event.occurred_at
    count = activity.destructive_between(at - window, at) + 1  # this event included
    if count <= burst_threshold(activity, at - window, count - 1, config):
        return None
    previous = activity.previous_destructive(at)
    if previous is not None:
        before = activity.destructive_between(previous - window, previous)
        if before > burst_threshold(activity, previous - window, before - 1, config):
            return None  # the same burst, already raised
    return f"{_who(event)} did {count} destructive actions within {_clock(window)}, the last {_did(event)}"


# -- 6. first-contact ----------------------------------------------------------------------------------


def first_contact(ctx: RuleContext, config: RuleConfig) -> str | None:
    if ctx.target is None or not ctx.target.protected or ctx.activity.touched_protected:
        return None
    return f"{_who(ctx.event)} {_did(ctx.event, protected=True)}: their first action on a protected account"


# -- the table ------------------------------------------------------------------------------------------

PROTECTED_CHANGE, AFTER_ENGAGEMENT, LAST_DAY = "protected-change", "after-engagement", "last-day"
QUICK_REVERSAL, BURST, FIRST_CONTACT = "quick-reversal", "burst", "first-contact"

RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule(PROTECTED_CHANGE, "Protected account changed without the safeguards", Severity.HIGH,
         "A protected account (newsworthy, high-profile) had its status or its protection changed: "
         "deactivated, suspended, unprotected, or its handle updated. Such a change should be done by an "
         "employee, under a ticket, and (when require_approval is true) approved by a second person. "
         "The finding names which of these safeguards were missing. Protection is judged from the "
         "account's state just before the event, so unprotecting an account and then deactivating it "
         "raises on the unprotect.", protected_change),
    Rule(AFTER_ENGAGEMENT, "Action after the engagement ended, or by an offboarded actor", Severity.CRITICAL,
         "An actor acted at or after the end of their engagement, as an offboarding's engagement_end "
         "states it, or (offboarded_counts, on by default) after their offboarding was done even though "
         "the engagement formally ends later, as the 2017 contractor's did (offboarded at 09:00, "
         "engaged until 23:59). Their access should be going: the action is either a failure of "
         "offboarding or a misuse of credentials. When the offboarding reaches the ledger after the "
         "actions it makes illegitimate, the detector flags those actions then (marked late), however "
         "long ago they were.", after_engagement),
    Rule(LAST_DAY, "Protected account touched on the last day", Severity.CRITICAL,
         "An actor whose engagement ends within within_hours acted on a protected account. People on "
         "their way out have the least to lose; the 2017 incident was a contractor's last day. Any "
         "action counts, even a routine one, because a departing actor should not need to touch a "
         "protected account at all.", last_day),
    Rule(QUICK_REVERSAL, "Deactivation or suspension quickly undone by someone else", Severity.HIGH,
         "An account was reactivated (or unsuspended) within within_minutes of being deactivated (or "
         "suspended) by another actor. A colleague undoing a fresh status change usually means the "
         "change was a mistake or an abuse; the finding links the event that was undone. Reversing "
         "one's own action is not flagged.", quick_reversal),
    Rule(BURST, "Burst of destructive actions", Severity.MEDIUM,
         "An actor's destructive actions (deactivate, suspend, content delete) within a sliding window of "
         "window_minutes exceed both floor and factor times their usual count per window (their "
         "destructive actions before the window, over the time they have been seen, in windows). An "
         "actor seen for less than history_hours is held to the floor alone. One finding per burst: on "
         "the action that crosses the threshold, not on every action while it lasts.", burst),
    Rule(FIRST_CONTACT, "First action on a protected account", Severity.LOW,
         "The first time the detector sees an actor act on any protected account. Usually routine (a new "
         "team member's first verification); worth a glance when the actor is new, a contractor, or "
         "the action is unusual. At most one finding per actor, ever.", first_contact),
)}


def _finding(rule_id: str, config: RuleConfig, event: AdminAction, summary: str,
             related: str | None = None, late: bool = False) -> Finding:
    return Finding(rule_id, config.severity, event.event_id, event.actor.id, event.target.id, event.occurred_at,
                   summary, related, late)


def may_raise(event: AdminAction, target: AccountState | None, actor: ActorState) -> bool:
    """False when no rule can hold for this event, whatever the settings: the target is not a
    protected account (rules 1, 3, 6), the actor has no offboarding or engagement end (2, 3), and
    the action neither undoes a status change (4) nor is destructive (5). Most events of a day are
    like that; the judge then skips the rules (and building their context)."""
    if target is not None and target.protected:
        return True
    if actor.engagement_end is not None or actor.offboarded_at is not None:
        return True
    return event.action in _UNDOES or event.action in DESTRUCTIVE


def evaluate(ctx: RuleContext, config: RulesConfig) -> list[Finding]:
    """Every enabled rule's finding for this event, allowlists applied, most severe first."""
    if not may_raise(ctx.event, ctx.target, ctx.actor):
        return []
    return every_finding(ctx, config)


def every_finding(ctx: RuleContext, config: RulesConfig) -> list[Finding]:
    """``evaluate`` without the ``may_raise`` shortcut, for a caller that asked it already (the
    judge asks before it builds the context)."""
    findings = []
    for rule in RULES.values():
        settings = config.rule(rule.id)
        if not settings.enabled or settings.allows(ctx.event.actor.id, ctx.event.target.id):
            continue
        said = rule.check(ctx, settings)
        if said is None:
            continue
        summary, related = said if isinstance(said, tuple) else (said, None)
        findings.append(_finding(rule.id, settings, ctx.event, summary, related))
    if len(findings) > 1:
        findings.sort(key=lambda finding: -rank(finding.severity))  # stable, as sorted() was
    return findings

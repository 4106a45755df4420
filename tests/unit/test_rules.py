"""Each detection rule on its own: when it raises, when it must not, and what the configuration
changes (enabling, severity, allowlists). Pure: states are built by hand or folded from events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditlog.domain.account import AccountState, LastChange, Status
from auditlog.domain.activity import ActorActivity, observe
from auditlog.domain.actor import ActorState
from auditlog.domain.model import AdminAction, Approval, Change
from auditlog.domain.rules import RULES, RuleContext, Severity, evaluate, late_after_engagement, rank
from auditlog.domain.rules_config import RulesConfig, load_rules
from tests.factories import event

DEFAULTS = load_rules(None)
AT = datetime(2017, 11, 2, 22, 58, 2, tzinfo=UTC)
PROTECTED = AccountState("acct-hos-0001", exists=True, protected=True)
ORDINARY = AccountState("a-1", exists=True)


def _tuned(rule_id: str, **changes: object) -> RulesConfig:
    """The defaults with one rule's settings changed (params by name, the rest as fields)."""
    rule = DEFAULTS.rule(rule_id)
    params = {k: v for k, v in changes.items() if k in rule.params}
    fields = {k: v for k, v in changes.items() if k not in rule.params}
    tuned = replace(rule, params=MappingProxyType({**rule.params, **params}), **fields)  # type: ignore[arg-type]
    return RulesConfig(MappingProxyType({**DEFAULTS.rules, rule_id: tuned}))


def _ctx(ev: AdminAction, target: AccountState | None = None, actor: ActorState | None = None,
         activity: ActorActivity | None = None) -> RuleContext:
    return RuleContext(ev, target, actor or ActorState(ev.actor.id), activity or ActorActivity(ev.actor.id))


def _rules(ctx: RuleContext, config: RulesConfig = DEFAULTS) -> list[str]:
    return sorted(f.rule for f in evaluate(ctx, config))


def _deactivate(kind: str = "contractor", ticket: str | None = None, target: str = "acct-hos-0001",
                at: datetime = AT, actor: str = "c-vb-07", **extra: object) -> AdminAction:
    return event("account.deactivate", target, at, actor=actor, kind=kind, ticket=ticket, **extra)


def _leaving(end: datetime, actor: str = "c-vb-07") -> ActorState:
    """An actor whose engagement ends at ``end`` (the offboarding itself not in the state: the
    offboarded clause of after-engagement has tests of its own)."""
    return ActorState(actor, "contractor", "vendor-b", engagement_end=end)


def _offboarded(done: datetime, end: datetime, actor: str = "c-vb-07") -> ActorState:
    return ActorState(actor, "contractor", "vendor-b", offboarded_at=done, engagement_end=end)


def _touched(actor: str) -> ActorActivity:
    return ActorActivity(actor, first_seen=AT - timedelta(days=90), touched_protected=True)


# -- 1. protected-change ---------------------------------------------------------------------------


def test_a_contractor_deactivating_a_protected_account_without_a_ticket_is_high() -> None:
    [finding] = [f for f in evaluate(_ctx(_deactivate(), PROTECTED, activity=_touched("c-vb-07")), DEFAULTS)]
    assert (finding.rule, finding.severity) == ("protected-change", Severity.HIGH)
    assert finding.summary == ("c-vb-07 (contractor, vendor-b) deactivated protected account acct-hos-0001 "
                               "by a contractor and without a ticket")


def test_an_employee_with_a_ticket_may_change_a_protected_account() -> None:
    ctx = _ctx(_deactivate("employee", "INC-1", actor="e-ts-03"), PROTECTED, activity=_touched("e-ts-03"))
    assert _rules(ctx) == []


def test_require_approval_also_asks_for_a_second_person() -> None:
    ev = _deactivate("employee", "INC-1", actor="e-ts-03")
    config = _tuned("protected-change", require_approval=True)
    [finding] = evaluate(_ctx(ev, PROTECTED, activity=_touched("e-ts-03")), config)
    assert finding.summary.endswith("without a second person's approval")
    approved = replace(ev, approval=Approval("e-ts-01", AT))
    assert _rules(_ctx(approved, PROTECTED, activity=_touched("e-ts-03")), config) == []


def test_only_status_protection_and_handle_changes_of_protected_accounts_count() -> None:
    touched = _touched("c-vb-07")
    email = event("account.update", "acct-hos-0001", AT, actor="c-vb-07", changes=(Change("email", None, "x@y"),))
    handle = event("account.update", "acct-hos-0001", AT, actor="c-vb-07", changes=(Change("handle", "@a", "@b"),))
    assert "protected-change" not in _rules(_ctx(email, PROTECTED, activity=touched))
    assert "protected-change" in _rules(_ctx(handle, PROTECTED, activity=touched))
    assert "protected-change" not in _rules(_ctx(_deactivate(target="a-1"), ORDINARY, activity=touched))


def test_a_disabled_rule_or_an_allowlisted_actor_or_target_raises_nothing() -> None:
    ctx = _ctx(_deactivate(), PROTECTED, activity=_touched("c-vb-07"))
    assert _rules(ctx, _tuned("protected-change", enabled=False)) == []
    assert _rules(ctx, _tuned("protected-change", allow_actors=frozenset({"c-vb-07"}))) == []
    assert _rules(ctx, _tuned("protected-change", allow_targets=frozenset({"acct-hos-0001"}))) == []


def test_the_rules_file_sets_the_severity_findings_carry() -> None:
    ctx = _ctx(_deactivate(), PROTECTED, activity=_touched("c-vb-07"))
    [finding] = evaluate(ctx, _tuned("protected-change", severity=Severity.CRITICAL))
    assert finding.severity is Severity.CRITICAL


# -- 2. after-engagement -----------------------------------------------------------------------------


def test_an_action_at_or_after_the_engagement_end_is_critical() -> None:
    ev = _deactivate(target="a-1")
    for end in (AT, AT - timedelta(hours=1)):
        [finding] = evaluate(_ctx(ev, ORDINARY, _leaving(end)), DEFAULTS)
        assert (finding.rule, finding.severity) == ("after-engagement", Severity.CRITICAL)
    assert _rules(_ctx(ev, ORDINARY, _leaving(AT + timedelta(seconds=1)))) == []


def test_an_action_after_the_offboarding_is_critical_even_before_the_engagement_ends() -> None:
    ev = _deactivate(target="a-1")
    [finding] = evaluate(_ctx(ev, ORDINARY, _offboarded(AT - timedelta(hours=10), AT + timedelta(hours=5))), DEFAULTS)
    assert (finding.rule, finding.severity) == ("after-engagement", Severity.CRITICAL)
    assert "10h00m after being offboarded" in finding.summary
    not_counted = _tuned("after-engagement", offboarded_counts=False)
    assert evaluate(_ctx(ev, ORDINARY, _offboarded(AT - timedelta(hours=10), AT + timedelta(hours=5))),
                    not_counted) == []
    # done after the action: not yet offboarded when it happened
    assert evaluate(_ctx(ev, ORDINARY, _offboarded(AT + timedelta(seconds=1), AT + timedelta(hours=5))),
                    DEFAULTS) == []


def test_late_after_engagement_flags_only_the_actors_actions_after_the_end() -> None:
    end = AT
    actions = [_deactivate(target="a-1", at=AT - timedelta(minutes=30)), _deactivate(target="a-2", at=AT),
               _deactivate(target="a-3", at=AT + timedelta(minutes=30), actor="c-other")]
    [finding] = late_after_engagement(_leaving(end), actions, DEFAULTS)
    assert (finding.target_id, finding.late, finding.rule) == ("a-2", True, "after-engagement")
    assert late_after_engagement(_leaving(end), actions, _tuned("after-engagement", enabled=False)) == []
    allowed = _tuned("after-engagement", allow_targets=frozenset({"a-2"}))
    assert late_after_engagement(_leaving(end), actions, allowed) == []


@settings(max_examples=150)
@given(st.integers(-10**6, 10**6), st.booleans())
def test_after_engagement_never_fires_without_an_engagement_end(seconds: int, onboarded: bool) -> None:
    actor = ActorState("c-1", onboarded_at=AT - timedelta(days=300) if onboarded else None)
    ev = _deactivate(target="a-1", actor="c-1", at=AT + timedelta(seconds=seconds))
    assert "after-engagement" not in _rules(_ctx(ev, ORDINARY, actor))


# -- 3. last-day --------------------------------------------------------------------------------------


def test_touching_a_protected_account_within_a_day_of_leaving_is_critical() -> None:
    ev = event("account.update", "acct-hos-0001", AT, actor="c-vb-07", ticket="SUP-1",
               changes=(Change("email", None, "x@y"),))
    activity = _touched("c-vb-07")
    [finding] = evaluate(_ctx(ev, PROTECTED, _leaving(AT + timedelta(hours=5)), activity), DEFAULTS)
    assert (finding.rule, finding.severity) == ("last-day", Severity.CRITICAL)
    assert "5h00m before their engagement ends" in finding.summary
    assert _rules(_ctx(ev, PROTECTED, _leaving(AT + timedelta(hours=25)), activity)) == []
    assert _rules(_ctx(ev, ORDINARY, _leaving(AT + timedelta(hours=5)), activity)) == []
    assert _rules(_ctx(ev, PROTECTED, _leaving(AT + timedelta(hours=25)), activity),
                  _tuned("last-day", within_hours=48)) == ["last-day"]


# -- 4. quick-reversal ---------------------------------------------------------------------------------


def _deactivated_by(actor: str, minutes_ago: float) -> AccountState:
    since = LastChange("11111111-1111-4111-8111-111111111111", "account.deactivate", actor,
                       AT - timedelta(minutes=minutes_ago))
    return AccountState("a-1", exists=True, status=Status.DEACTIVATED, status_since=since)


def test_another_actor_undoing_a_fresh_deactivation_is_high_and_links_it() -> None:
    ev = event("account.reactivate", "a-1", AT, actor="e-ts-03", kind="employee", ticket="INC-1")
    [finding] = evaluate(_ctx(ev, _deactivated_by("c-vb-07", 11.2)), DEFAULTS)
    assert (finding.rule, finding.severity) == ("quick-reversal", Severity.HIGH)
    assert finding.related_event_id == "11111111-1111-4111-8111-111111111111"
    assert finding.summary == "a-1 deactivated 11m12s by c-vb-07, restored by e-ts-03"
    assert _rules(_ctx(ev, _deactivated_by("c-vb-07", 61))) == []
    assert _rules(_ctx(ev, AccountState("a-1", exists=True))) == []  # nothing to restore


@settings(max_examples=150)
@given(st.floats(0, 120), st.sampled_from(["account.reactivate", "account.unsuspend"]))
def test_quick_reversal_never_fires_when_the_same_actor_reverses(minutes: float, action: str) -> None:
    ev = event(action, "a-1", AT, actor="c-vb-07")
    assert "quick-reversal" not in _rules(_ctx(ev, _deactivated_by("c-vb-07", minutes)))


# -- 5. burst -------------------------------------------------------------------------------------------


def _history(actor: str, times: list[datetime]) -> ActorActivity:
    activity = ActorActivity(actor)
    for moment in times:
        activity = observe(activity, event("content.delete", "post-1", moment, actor=actor), None,
                           timedelta(minutes=20))
    return activity


def _burst_at(activity: ActorActivity, at: datetime, config: RulesConfig = DEFAULTS) -> bool:
    ev = event("content.delete", "post-2", at, actor=activity.actor_id)
    return "burst" in _rules(_ctx(ev, None, activity=activity), config)


def test_a_new_actors_eleventh_destructive_action_in_ten_minutes_is_a_burst_once() -> None:
    times = [AT + timedelta(seconds=30 * n) for n in range(10)]
    activity = _history("c-1", times)
    assert _burst_at(_history("c-1", times[:9]), times[9]) is False  # 10: at the floor, not over it
    assert _burst_at(activity, AT + timedelta(minutes=5)) is True
    activity = observe(activity, event("content.delete", "p", AT + timedelta(minutes=5), actor="c-1"), None,
                       timedelta(minutes=20))
    assert _burst_at(activity, AT + timedelta(minutes=6)) is False  # the same burst: raised already


def test_an_actor_whose_usual_rate_is_high_needs_factor_times_it() -> None:
    # seen for 10 days at 20 destructive actions per 10 minutes, then 10 in the last few minutes
    activity = replace(_history("svc-1", [AT + timedelta(seconds=20 * n) for n in range(10)]),
                       first_seen=AT - timedelta(days=10), destructive_total=10 + 20 * 6 * 24 * 10)
    assert _burst_at(activity, AT + timedelta(minutes=5)) is False  # 11 is over the floor, not over 3 x 20
    # with factor 0.5 the threshold is max(floor 10, 0.5 x 20) = 10: 11 is over it
    assert _burst_at(activity, AT + timedelta(minutes=5), _tuned("burst", factor=0.5)) is True


@settings(max_examples=100)
@given(st.lists(st.integers(0, 1200), max_size=30))
def test_burst_never_fires_below_the_floor(offsets: list[int]) -> None:
    config = _tuned("burst", floor=10)
    activity, seen = ActorActivity("c-1"), list[int]()
    for second in offsets:  # in ledger order: not sorted
        ev = event("content.delete", "p", AT + timedelta(seconds=second), actor="c-1")
        in_window = 1 + sum(1 for o in seen if second - 600 < o <= second)  # counted from the offsets alone
        fired = "burst" in _rules(_ctx(ev, None, activity=activity), config)
        if in_window <= 10:
            assert not fired
        seen.append(second)
        activity = observe(activity, ev, None, timedelta(minutes=20))


# -- 6. first-contact ----------------------------------------------------------------------------------


def test_the_first_action_on_a_protected_account_is_low() -> None:
    ev = event("account.verify", "acct-hos-0001", AT, actor="e-vf-01", kind="employee", ticket="T-1")
    [finding] = evaluate(_ctx(ev, PROTECTED), DEFAULTS)
    assert (finding.rule, finding.severity) == ("first-contact", Severity.LOW)
    assert _rules(_ctx(ev, PROTECTED, activity=_touched("e-vf-01"))) == []
    assert _rules(_ctx(ev, ORDINARY)) == []


@settings(max_examples=100)
@given(st.lists(st.tuples(st.sampled_from(["c-1", "c-2"]), st.booleans(),
                          st.sampled_from(["account.update", "account.verify", "account.password_reset"])),
                max_size=30))
def test_first_contact_fires_at_most_once_per_actor(steps: list[tuple[str, bool, str]]) -> None:
    activities: dict[str, ActorActivity] = {}
    fired: list[str] = []
    for n, (actor, protected, action) in enumerate(steps):
        target = PROTECTED if protected else ORDINARY
        ev = event(action, target.account_id, AT + timedelta(seconds=n), actor=actor, kind="employee")
        activity = activities.get(actor, ActorActivity(actor))
        fired += [f.actor_id for f in evaluate(_ctx(ev, target, activity=activity), DEFAULTS)
                  if f.rule == "first-contact"]
        activities[actor] = observe(activity, ev, target, timedelta(minutes=20))
    assert len(fired) == len(set(fired))
    assert set(fired) == {actor for actor, protected, _ in steps if protected}


# -- the table ------------------------------------------------------------------------------------------


def test_every_rule_is_in_the_packaged_file_and_explains_itself() -> None:
    assert list(RULES) == list(DEFAULTS.rules)
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id and rule.description.count(". ") >= 2
        assert DEFAULTS.rule(rule_id).severity is rule.severity


def test_findings_come_most_severe_first() -> None:
    ctx = _ctx(_deactivate(), PROTECTED, _leaving(AT + timedelta(hours=5)))
    findings = evaluate(ctx, DEFAULTS)
    assert [f.rule for f in findings] == ["last-day", "protected-change", "first-contact"]
    assert [rank(f.severity) for f in findings] == [3, 2, 0]


# -- the judge's shortcut ------------------------------------------------------------------------------


def _every_rule(ctx: RuleContext) -> set[str]:
    """What the rules say with no shortcut: each enabled rule's check, one by one."""
    return {rule.id for rule in RULES.values() if rule.check(ctx, DEFAULTS.rule(rule.id)) is not None}


# the actions some rule looks at, and a few it does not
_JUDGED = ["account.deactivate", "account.suspend", "content.delete", "account.reactivate", "account.unsuspend",
           "account.update", "account.unprotect", "account.verify", "actor.role_grant"]


@settings(max_examples=600)
# the incident's shape on an ordinary account: another actor's deactivation undone 11 minutes later
@example("account.reactivate", False, Status.DEACTIVATED, -11, None, False, [], False, True)
@given(st.sampled_from(_JUDGED), st.booleans(), st.sampled_from(list(Status)), st.integers(-90, 30),
       st.sampled_from([None, -30, 2, 30]), st.booleans(),
       # ten earlier destructive actions in the window: the burst floor's edge
       st.one_of(st.lists(st.integers(-600, 0), max_size=15), st.lists(st.integers(-590, 0), min_size=10, max_size=10)),
       st.booleans(), st.booleans())
def test_the_shortcut_never_hides_a_finding(action: str, protected: bool, status: Status, changed_min: int,
                                            end_h: int | None, offboarded: bool, destructive_s: list[int],
                                            touched: bool, ticket: bool) -> None:
    kind = "contractor"
    ev = event(action, target="a-1", at=AT, actor="c-1", kind=kind, ticket="T-1" if ticket else None)
    undone = LastChange("e-prev", "account.suspend" if status is Status.SUSPENDED else "account.deactivate",
                        "c-2", AT + timedelta(minutes=changed_min))
    target = AccountState("a-1", exists=True, status=status, protected=protected,
                          status_since=None if status is Status.ACTIVE else undone)
    end = None if end_h is None else AT + timedelta(hours=end_h)
    actor = ActorState("c-1", kind, "vendor-b", offboarded_at=AT - timedelta(hours=1) if offboarded else None,
                       engagement_end=end)
    times = tuple(sorted(AT + timedelta(seconds=s) for s in destructive_s))
    activity = ActorActivity("c-1", first_seen=AT - timedelta(days=3), destructive_total=len(times),
                             recent_destructive=times, touched_protected=touched)
    ctx = _ctx(ev, target if action.startswith("account.") else None, actor, activity)
    assert {f.rule for f in evaluate(ctx, DEFAULTS)} == _every_rule(ctx)

from datetime import datetime

from auditlog.domain.actor import ActorState, Employment, apply_actor, fold_actor
from auditlog.domain.model import Change
from tests.factories import event

HR = {"actor": "sys-hr-sync", "kind": "system"}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _onboard(at: str = "2017-03-01T09:00:00+00:00") -> object:
    return event("actor.onboard", "c-vb-07", at, **HR,
                 changes=(Change("kind", None, "contractor"), Change("org", None, "vendor-b")))


def _offboard(end: str | None, at: str = "2017-11-02T13:00:05+00:00") -> object:
    changes = (Change("engagement_end", None, end),) if end else ()
    return event("actor.offboard", "c-vb-07", at, **HR, changes=changes)


def test_offboarding_takes_effect_at_the_engagement_end_not_when_it_was_done() -> None:
    state = fold_actor("c-vb-07", [_onboard(), _offboard("2017-11-03T03:59:59+00:00")])
    assert (state.kind, state.org) == ("contractor", "vendor-b")
    assert state.offboarded_at == _t("2017-11-02T13:00:05+00:00")
    assert state.engaged(_t("2017-11-02T22:58:02+00:00")) is True
    assert state.employment(_t("2017-11-03T03:59:59+00:00")) is Employment.OFFBOARDED


def test_an_offboarding_without_an_end_is_effective_at_once() -> None:
    state = fold_actor("c-vb-07", [_onboard(), _offboard(None)])
    assert state.engagement_end == _t("2017-11-02T13:00:05+00:00")
    assert state.engaged(_t("2017-11-02T13:00:05+00:00")) is False


def test_a_malformed_engagement_end_falls_back_to_the_offboarding_time() -> None:
    state = fold_actor("c-vb-07", [_offboard("next friday")])
    assert state.engagement_end == state.offboarded_at


def test_roles_are_granted_and_revoked() -> None:
    grant = [event("actor.role_grant", "c-vb-07", **HR, changes=(Change("role", None, r),))
             for r in ("support-agent", "escalations")]
    revoke = event("actor.role_revoke", "c-vb-07", **HR, changes=(Change("role", "escalations", "escalations"),))
    assert fold_actor("c-vb-07", grant).roles == ("escalations", "support-agent")
    assert fold_actor("c-vb-07", [*grant, revoke]).roles == ("support-agent",)


def test_onboarding_again_reengages() -> None:
    state = fold_actor("c-vb-07", [_onboard(), _offboard(None), _onboard("2018-01-01T00:00:00+00:00")])
    assert state.engaged(_t("2018-02-01T00:00:00+00:00")) and state.engagement_end is None


def test_an_actor_without_hr_events_is_unknown_and_other_targets_are_ignored() -> None:
    assert ActorState("x").employment(_t("2017-01-01T00:00:00+00:00")) is Employment.UNKNOWN
    assert apply_actor(ActorState("x"), _onboard()) == ActorState("x")
    assert apply_actor(ActorState("a-1"), event("account.deactivate", "a-1")) == ActorState("a-1")


def test_states_along_match_folding_up_to_each_moment() -> None:
    from auditlog.domain.actor import states_along

    hr = [_onboard(), event("actor.role_grant", "c-vb-07", "2017-03-01T09:05:00+00:00", **HR,
                            changes=(Change("role", None, "support-agent"),)),
          _offboard("2017-11-03T03:59:59+00:00")]
    moments = [_t(m) for m in ("2017-02-01T00:00:00+00:00", "2017-03-01T09:05:00+00:00",
                               "2017-11-02T22:58:02+00:00", "2017-11-03T04:00:00+00:00")]
    states = states_along("c-vb-07", hr, moments)  # type: ignore[arg-type]
    assert states == [fold_actor("c-vb-07", [e for e in hr if e.occurred_at <= m])  # type: ignore[attr-defined]
                      for m in moments]
    assert [s.roles for s in states] == [(), ("support-agent",), ("support-agent",), ("support-agent",)]
    assert [s.engaged(m) for s, m in zip(states, moments, strict=True)] == [True, True, True, False]

from auditlog.domain.account import AccountState, Status, apply, fold
from tests.factories import event


def test_deactivate_then_reactivate_moves_status_and_records_who() -> None:
    history = [
        event("account.create", at="2010-01-01T00:00:00+00:00", actor="svc", kind="service"),
        event("account.protect", at="2012-01-01T00:00:00+00:00", actor="e-1", kind="employee"),
        event("account.deactivate", at="2017-11-02T22:58:02+00:00"),
    ]
    state = fold("a-1", history)
    assert state.status is Status.DEACTIVATED
    assert state.protected is True
    assert state.last_change is not None and state.last_change.actor_id == "c-17"
    restored = apply(state, event("account.reactivate", at="2017-11-02T23:09:14+00:00", actor="e-3",
                                  kind="employee"))
    assert restored.status is Status.ACTIVE and restored.protected is True
    assert restored.events_applied == 4


def test_suspend_unsuspend_verify_and_unprotect() -> None:
    state = fold("a-1", [event("account.create"), event("account.suspend"), event("account.verify"),
                         event("account.protect"), event("account.unprotect")])
    assert (state.status, state.verified, state.protected) == (Status.SUSPENDED, True, False)
    assert fold("a-1", [event("account.suspend"), event("account.unsuspend")]).status is Status.ACTIVE


def test_update_changes_handle_and_email_through_changes() -> None:
    from auditlog.domain.model import Change

    state = fold("a-1", [event("account.create"),
                         event("account.update", changes=(Change("handle", "@a-1", "@new"),
                                                          Change("email", None, "x@example.com")))])
    assert state.handle == "@new" and state.email == "x@example.com"


def test_events_of_other_accounts_are_ignored() -> None:
    state = fold("a-1", [event("account.deactivate", target="a-2")])
    assert state == AccountState("a-1")


def test_unknown_actions_from_newer_writers_do_not_change_status() -> None:
    newer = event("account.create")
    newer = type(newer)(**{**{f: getattr(newer, f) for f in newer.__dataclass_fields__},
                           "action": "account.memorialize"})
    state = fold("a-1", [event("account.create"), newer])
    assert state.status is Status.ACTIVE and state.events_applied == 2


def test_state_before_any_event_does_not_exist() -> None:
    assert fold("a-1", []).exists is False
    assert fold("a-1", [event("account.create")]).exists is True

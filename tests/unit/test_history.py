from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from auditlog.domain.account import AccountState, Status, fold, state_from_plain, state_to_plain
from auditlog.domain.history import diff, status_intervals, steps
from auditlog.domain.model import Change
from tests.factories import event


def _incident() -> tuple[AccountState, list[object]]:
    start = fold("a-1", [event("account.create", at="2012-01-01T00:00:00+00:00", actor="svc", kind="service",
                               changes=(Change("email", None, "a@x"),)),
                         event("account.protect", at="2012-02-01T00:00:00+00:00", actor="e-1", kind="employee")])
    day = [event("account.deactivate", at="2017-11-02T22:58:02+00:00", actor="c-vb-07"),
           event("account.update", at="2017-11-02T23:00:00+00:00", actor="c-vb-07",
                 changes=(Change("email", "a@x", "b@x"), Change("region", None, "us"))),
           event("account.reactivate", at="2017-11-02T23:09:14+00:00", actor="e-ts-03", kind="employee")]
    return start, day


def test_a_deactivation_and_its_restore_make_one_interval_with_both_actors() -> None:
    start, day = _incident()
    (interval,) = status_intervals(start, steps(start, day))  # type: ignore[arg-type]
    assert interval.status is Status.DEACTIVATED
    assert interval.start is not None and interval.start.actor_id == "c-vb-07"
    assert interval.end is not None and interval.end.actor_id == "e-ts-03"
    assert interval.duration == timedelta(minutes=11, seconds=12)


def test_an_interval_begun_before_the_window_and_still_open_keeps_its_cause() -> None:
    start, day = _incident()
    middle = fold("a-1", day[:1], start)  # type: ignore[arg-type]
    (interval,) = status_intervals(middle, [])
    assert interval.start is not None and interval.start.actor_id == "c-vb-07" and interval.end is None


def test_diff_names_every_field_touched_with_its_steps_even_when_it_came_back() -> None:
    start, day = _incident()
    changes = {c.field: c for c in diff(start, steps(start, day))}  # type: ignore[arg-type]
    assert set(changes) == {"status", "email", "flags"}
    assert changes["status"].before == changes["status"].after == Status.ACTIVE
    assert [s.event.actor.id for s in changes["status"].steps] == ["c-vb-07", "e-ts-03"]
    assert (changes["email"].before, changes["email"].after) == ("a@x", "b@x")
    assert changes["flags"].after == (("region", "us"),)


def test_create_reads_email_and_status_since_names_the_cause() -> None:
    start, day = _incident()
    assert start.email == "a@x" and start.status_since is None
    after = fold("a-1", day[:1], start)  # type: ignore[arg-type]
    assert after.status_since is not None and after.status_since.action == "account.deactivate"


_ACTIONS = st.sampled_from(["account.create", "account.deactivate", "account.reactivate", "account.suspend",
                            "account.unsuspend", "account.protect", "account.verify", "account.update"])


@given(st.lists(st.tuples(_ACTIONS, st.integers(0, 10**8)), max_size=12))
def test_a_state_survives_its_plain_form(history: list[tuple[str, int]]) -> None:
    events = [event(a, at=f"2017-01-01T00:00:00.{n % 10**6:06d}+00:00",
                    changes=(Change("email", None, f"{n}@x"), Change("tier", None, str(n % 3))))
              for a, n in history]
    state = fold("a-1", events)
    assert state_from_plain(state_to_plain(state)) == state

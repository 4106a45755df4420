"""The pure rules of access: scopes, roles, token text, case ids, durations, and the settings of cases."""

from __future__ import annotations

import pytest

from auditlog.domain.access import (
    UNLIMITED,
    Role,
    Scope,
    parse_case,
    parse_duration,
    parse_role,
    parse_scopes,
    token_id_of,
    valid_token_id,
)
from auditlog.domain.errors import BadInput, ConfigError
from auditlog.domain.settings import Settings
from auditlog.investigate.usecases.access import canonical


def test_scopes_parse_sorted_and_deduplicated_and_bad_ones_are_named() -> None:
    scope = parse_scopes(["org=vendor-b", "account=acct-2", "org=vendor-a", "org=vendor-b"])
    assert scope == Scope(("vendor-a", "vendor-b"), ("acct-2",))
    assert scope.as_texts() == ("org=vendor-a", "org=vendor-b", "account=acct-2")
    assert parse_scopes([]) == UNLIMITED and UNLIMITED.unlimited
    for bad in ("team=x", "org=", "org", "=x", "org= padded", "account=a\x00b"):
        with pytest.raises(BadInput, match="--scope"):
            parse_scopes([bad])


def test_an_unlimited_scope_covers_everything() -> None:
    assert UNLIMITED.covers_account("any") and UNLIMITED.covers_actor_org(None) and UNLIMITED.covers_event(None, "x")


def test_an_org_scope_covers_its_actors_events_but_no_accounts_state() -> None:
    vb = Scope(orgs=("vendor-b",))
    assert vb.covers_event("vendor-b", "acct-1") and not vb.covers_event("vendor-a", "acct-1")
    assert not vb.covers_event(None, "acct-1")
    assert not vb.covers_account("acct-1")  # state folds everyone's events
    assert vb.covers_actor_org("vendor-b") and not vb.covers_actor_org("vendor-a") and not vb.covers_actor_org(None)


def test_an_account_scope_covers_that_account_and_the_events_targeting_it() -> None:
    one = Scope(accounts=("acct-1",))
    assert one.covers_account("acct-1") and not one.covers_account("acct-2")
    assert one.covers_event("vendor-a", "acct-1") and not one.covers_event("vendor-a", "acct-2")
    assert not one.covers_actor_org("vendor-a")
    both = Scope(("vendor-b",), ("acct-1",))  # scopes add up
    assert both.covers_event("vendor-b", "acct-9") and both.covers_event("vendor-a", "acct-1")


def test_token_text_has_its_id_and_anything_else_is_not_a_token() -> None:
    assert token_id_of("tok_abcdefgh12.0123456789abcdefXYZ_-") == "tok_abcdefgh12"
    for bad in ("", "Bearer x", "tok_abcdefgh12", "tok_short.0123456789abcdef", "tok_abcdefgh12.short",
                "tok_abcdefgh12.0123456789abcdef\n", "tok_abc/efgh12.0123456789abcdef"):
        assert token_id_of(bad) is None, bad
    assert valid_token_id("tok_abcdefgh12") and not valid_token_id("tok_a") and not valid_token_id("abc")


def test_roles() -> None:
    assert parse_role("oncall") is Role.ONCALL
    with pytest.raises(BadInput, match="--role: 'root'"):
        parse_role("root")


@pytest.mark.parametrize("case", ["INC-1", "x", "case with inner spaces", "A" * 64, "#42/2017:b"])
def test_good_cases(case: str) -> None:
    assert parse_case(case) == case


@pytest.mark.parametrize("case", ["", " lead", "trail ", "A" * 65, "tab\there", "naïve", "new\nline", "end\n"])
def test_bad_cases(case: str) -> None:
    with pytest.raises(BadInput, match="case"):
        parse_case(case)


def test_durations() -> None:
    assert (parse_duration("30d"), parse_duration("12h"), parse_duration("90m")) == (2_592_000, 43_200, 5_400)
    for bad in ("0d", "30", "d", "1y", "-1d", "1.5h"):
        with pytest.raises(BadInput, match="--expires"):
            parse_duration(bad)


def test_a_reads_parameters_are_canonical_json_of_what_was_given() -> None:
    assert canonical({"to": "b", "from": "a", "tz": None, "limit": 5}) == '{"from":"a","limit":5,"to":"b"}'


def test_the_case_settings() -> None:
    loaded = Settings.load({"AUDITLOG_CASE": "INC-1", "AUDITLOG_REQUIRE_CASE": "1"}, env_file=None)
    assert (loaded.case, loaded.require_case) == ("INC-1", True)
    assert Settings.load({}, env_file=None).require_case is False
    with pytest.raises(ConfigError, match="AUDITLOG_CASE"):
        Settings.load({"AUDITLOG_CASE": " x"}, env_file=None)
    with pytest.raises(ConfigError, match="AUDITLOG_REQUIRE_CASE"):
        Settings.load({"AUDITLOG_REQUIRE_CASE": "maybe"}, env_file=None)
